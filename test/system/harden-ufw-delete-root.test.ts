import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ufwRuleArgs } from '../../src/harden/plan/ufw-steps.js';
import { parseUfwTuples } from '../../src/model/ufw.js';
import { requires } from '../support/prerequisites.js';
import { Scope } from './lab/cleanup.js';
import { Netns } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { Ufw } from './lab/ufw.js';

/**
 * harden's `ufw.delete-*` steps say a rule again from the tuple ufw stored. ufw exits 0 on
 * "Could not delete non-existent rule", so a command that names the rule differently is a step
 * "applied" that deleted nothing: each rule here is added by real ufw (namespace, private
 * /etc/ufw), read back from user.rules, and must be gone after the planned delete.
 */
const PROFILE = '[OpenClaw]\ntitle=OpenClaw gateway\ndescription=test profile\nports=18789/tcp\n';

const req = requires('harden ufw delete steps against real UFW', ['root', 'netns', 'netfilter', 'ufw']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  let scope: Scope | undefined;
  afterEach(async () => {
    await scope?.dispose();
    scope = undefined;
  });

  it.each([
    ['allow log 18790/tcp'],
    ['allow OpenClaw'],
    ['allow in on eth0 log-all from 10.0.0.0/8 to any port 18790 proto tcp'],
    ['allow from 10.0.0.0/8 to any app OpenClaw'],
  ])('ufw %s: the planned delete removes it', async (rule) => {
    const s = (scope = new Scope());
    const ns = await Netns.create(s, 'ufwdel');
    const etc = PrivateEtc.create(s);
    writeFileSync(join(etc.dir, 'etc-ufw', 'applications.d', 'clawmoat-test-openclaw'), PROFILE);
    const ufw = new Ufw(ns, etc);
    await ufw.enable();
    await ufw.run(...rule.split(' '));
    const { rules } = parseUfwTuples(readFileSync(join(etc.dir, 'etc-ufw', 'user.rules'), 'utf8'), 'user.rules', false);
    expect(rules).toHaveLength(1);
    const deleted = await ufw.run('delete', ...ufwRuleArgs(rules[0]!));
    expect(deleted.stdout + deleted.stderr).not.toMatch(/non-existent/);
    expect(parseUfwTuples(readFileSync(join(etc.dir, 'etc-ufw', 'user.rules'), 'utf8'), 'user.rules', false).rules).toEqual([]);
    expect(await ufw.status()).not.toMatch(/ALLOW/);
  });
});
