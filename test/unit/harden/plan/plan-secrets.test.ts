import { randomBytes } from 'node:crypto';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../../../src/model/context.js';
import { auditSnapshot } from '../../../../src/audit.js';
import { buildPlan } from '../../../../src/harden/plan/index.js';
import { fileDiff } from '../../../../src/harden/plan/file-diff.js';
import { planJson, renderPlan } from '../../../../src/report/harden.js';
import { buildTailscalePlan } from '../../../../src/remote/tailscale/plan.js';
import { renderTailscalePlan } from '../../../../src/remote/tailscale/render.js';
import { baselineSnapshot, compose, withConfig, withGatewayProcess, withSockets, withUnit, tcpListener } from '../../../fixtures/builders/snapshot.js';
import { LAN, TAILSCALE0, withTailscale } from '../../remote/tailscale/hosts.js';
import { HIDDEN_SECRETS, HIDDEN_SECRETS_CONFIG } from '../../../fixtures/builders/secret-config.js';

/**
 * A plan shows diffs of live files: no line of them (context, `-`, `+`), no note, no JSON
 * field may carry a secret the file holds, the old token included.
 */

const secret = (tag: string): string => `${tag}${randomBytes(10).toString('hex')}`;
const CONFIG = '/home/u/.openclaw/openclaw.json';
const UNIT = '/home/u/.config/systemd/user/openclaw-gateway.service';

function expectNone(text: string, secrets: Record<string, string>, where: string): void {
  for (const [name, value] of Object.entries(secrets)) expect(text.includes(value), `${where} shows ${name}`).toBe(false);
}

describe('fileDiff masks every secret of the file on every line', () => {
  it('an OpenClaw config: the old token on the - line, remote.token and a URL password in context lines', () => {
    const s = { oldToken: secret('old'), remoteToken: secret('rt'), urlPassword: secret('up'), hookToken: secret('hk'), newToken: secret('new') };
    const before = `{\n  gateway: {\n    bind: "lan",\n    auth: { mode: "token", token: "${s.oldToken}" },\n    remote: { url: "wss://bob:${s.urlPassword}@gw.example:18789", token: "${s.remoteToken}" },\n  },\n  hooks: { token: '${s.hookToken}' },\n}\n`;
    const after = before.replace('bind: "lan"', 'bind: "loopback"').replace(s.oldToken, s.newToken);
    const diff = fileDiff(CONFIG, before, after, [s.newToken]);
    expectNone(diff, s, 'the diff');
    expect(diff).toMatch(/^-.*token: "<redacted>"/m);
    expect(diff).toMatch(/^\+.*token: "<redacted>"/m);
    expect(diff).toContain('wss://bob:<redacted>@gw.example:18789');
    expect(diff).toMatch(/^-\s+bind: "lan",$/m);
  });

  it('a unit: Environment= (plain and quoted), ExecStart --token X and --password=X', () => {
    const s = { env: secret('env'), quoted: secret('q'), flag: secret('fl'), eq: secret('eq'), url: secret('u') };
    const before = [
      '[Service]',
      `Environment=OPENCLAW_GATEWAY_TOKEN=${s.env}`,
      `Environment="OPENCLAW_GATEWAY_PASSWORD=${s.quoted} with spaces" OPENCLAW_GATEWAY_PORT=18789`,
      `Environment=OPENCLAW_GATEWAY_URL=ws://me:${s.url}@h:1`,
      `ExecStart=/usr/bin/openclaw gateway --bind lan --token ${s.flag} --password=${s.eq}`,
      '',
    ].join('\n');
    const after = before.replace(' --bind lan', '');
    const diff = fileDiff(UNIT, before, after);
    expectNone(diff, s, 'the diff');
    expect(diff).toContain('-ExecStart=/usr/bin/openclaw gateway --bind lan --token <redacted> --password=<redacted>');
    expect(diff).not.toContain('with spaces');
  });

  it('a compose file: a block scalar token, a list env, command flags, URL userinfo', () => {
    const s = { block: secret('b'), list: secret('l'), flag: secret('f'), url: secret('u') };
    const before = [
      'services:',
      '  openclaw-gateway:',
      '    environment:',
      '      OPENCLAW_GATEWAY_TOKEN: >-',
      `        ${s.block}`,
      `      DB_URL: postgres://app:${s.url}@db/app`,
      `      - PASSWORD=${s.list}`.replace('      - ', '      X_'),
      `    command: ["openclaw", "gateway", "--token", "${s.flag}"]`,
      '    ports:',
      '      - "18789:18789"',
      '',
    ].join('\n');
    const after = before.replace('"18789:18789"', '"127.0.0.1:18789:18789"');
    const diff = fileDiff('/srv/compose.yaml', before, after);
    expectNone(diff, s, 'the diff');
    expect(diff).toContain('+      - "127.0.0.1:18789:18789"');
  });

  it('a reference (${VAR}) is shown as written, and a quoted value inside braces keeps the brace', () => {
    const token = secret('t');
    const before = `{\n  hooks: { token: "\${HOOK_TOKEN}" },\n  gateway: { auth: { token: "${token}" }, bind: "lan" },\n}\n`;
    const diff = fileDiff(CONFIG, before, before.replace('"lan"', '"loopback"'));
    expect(diff).toContain('   hooks: { token: "${HOOK_TOKEN}" },');
    expect(diff).toContain('-  gateway: { auth: { token: "<redacted>" }, bind: "lan" },');
  });

  it('a secret too short to mask by value is hidden where it stands as a word, and after its key', () => {
    const before = '{\n  gateway: { auth: { token: "k9z" }, bind: "lan" },\n}\n';
    const diff = fileDiff(CONFIG, before, before.replace('"lan"', '"loopback"'));
    expect(diff).not.toContain('k9z');
    expect(diff).toContain('bind: "loopback"');
  });

  it('a value shaped like a provider key is hidden whatever its name (OPENAI_KEY=sk-…, key: "sk-…", a bot token)', () => {
    const before = [
      '[Service]',
      'Environment=OPENAI_KEY=sk-proj-ZZZZ9999 GH=ghp_abcdefghijklmnopqrstu1234 SLACK=xoxb-123456789-abcdefghij',
      'ExecStart=/usr/bin/openclaw gateway run --bind lan --port 18789',
      '',
    ].join('\n');
    const diff = fileDiff('/etc/systemd/system/openclaw.service', before, before.replace('--bind lan', '--bind loopback'));
    for (const secret of ['sk-proj-ZZZZ9999', 'ghp_abcdefghijklmnopqrstu1234', 'xoxb-123456789-abcdefghij']) expect(diff).not.toContain(secret);
    expect(diff).toContain('OPENAI_KEY=');
    const config = "{ models: { openai: { key: 'sk-proj-AAAA1111bbbb' } }, gateway: { bind: 'lan' } }\n";
    expect(fileDiff(CONFIG, config, config.replace("'lan'", "'loopback'"))).not.toContain('sk-proj-AAAA1111bbbb');
  });
});

describe('harden plan: text and --json carry no secret', () => {
  it('old and new token, remote.token, URL password, unit Environment= and ExecStart --token: none shows anywhere', () => {
    const s = {
      oldToken: secret('old'),
      remoteToken: secret('rt'),
      urlPassword: secret('up'),
      unitEnv: secret('ue'),
      unitFlag: secret('uf'),
      newToken: secret('nt'),
    };
    const configText = `{\n  // ${'the gateway'}\n  gateway: {\n    bind: "lan",\n    auth: { mode: "token", token: "${s.oldToken.slice(0, 8)}" },\n    remote: { url: "wss://bob:${s.urlPassword}@h", token: "${s.remoteToken}" },\n  },\n}\n`;
    const unitText = `[Service]\nEnvironment=OPENCLAW_GATEWAY_TOKEN=${s.unitEnv}\nExecStart=/usr/bin/openclaw gateway --bind lan --token ${s.unitFlag}\n`;
    const files: Record<string, string> = { [CONFIG]: configText, [UNIT]: unitText };
    const snapshot = compose(
      withConfig(JSON5.parse(configText.replace(/token: "[^"]*"/g, 'token: "x"')) as Record<string, unknown>, {}, CONFIG),
      withGatewayProcess(42, ['openclaw-gateway']),
      withSockets(tcpListener('0.0.0.0', 18789, 42, 'openclaw-gateway')),
      withUnit(UNIT, '[Service]\nExecStart=/usr/bin/openclaw gateway --bind lan --token [REDACTED]\n'),
      LAN,
    )(baselineSnapshot());
    const ctx = buildContext(snapshot);
    const report = auditSnapshot(snapshot);
    const plan = buildPlan(ctx, report, { remote: 'loopback', noPublish: false, newToken: s.newToken, readFile: (p) => files[p] });
    const fileSteps = plan.steps.filter((st) => st.kind === 'file');
    expect(fileSteps.map((st) => st.id)).toEqual(expect.arrayContaining(['config.gateway', 'unit.bind-flag-openclaw-gateway.service']));
    // The new token is written, never shown; the old one (too short for the weak-token check) is shown nowhere.
    const config = fileSteps.find((st) => st.id === 'config.gateway')!;
    expect(config.kind === 'file' && config.content).toContain(s.newToken);
    const json = planJson(plan);
    expect(json).not.toContain('"content"');
    const shown = { text: renderPlan(plan, { color: false }), json };
    for (const [where, text] of Object.entries(shown)) expectNone(text, { ...s, oldToken: s.oldToken.slice(0, 8) }, where);
    expect(shown.text).toMatch(/^ {3}-.*token: "<redacted>"/m);
  });
});

describe('harden plan: secrets no key name announces (env maps, URL queries and userinfo, webhook paths)', () => {
  it("the reviewer's config: bind lan → loopback, and neither the text nor --json shows one of them", () => {
    const snapshot = compose(
      withConfig(JSON5.parse(HIDDEN_SECRETS_CONFIG.replace(/token: "tok_[A-Z]+"/, 'token: "x"')) as Record<string, unknown>, {}, CONFIG),
      withGatewayProcess(42, ['openclaw-gateway']),
      withSockets(tcpListener('0.0.0.0', 18789, 42, 'openclaw-gateway')),
      LAN,
    )(baselineSnapshot());
    const report = auditSnapshot(snapshot);
    const plan = buildPlan(buildContext(snapshot), report, {
      remote: 'loopback',
      noPublish: false,
      newToken: secret('nt'),
      readFile: (p) => (p === CONFIG ? HIDDEN_SECRETS_CONFIG : undefined),
    });
    const step = plan.steps.find((st) => st.id === 'config.gateway');
    expect(step?.kind === 'file' && step.diff).toMatch(/^\+.*bind: "loopback"/m);
    const shown = { text: renderPlan(plan, { color: false }), json: planJson(plan) };
    for (const [where, text] of Object.entries(shown)) expectNone(text, HIDDEN_SECRETS, where);
    // The lines are shown, their secrets masked: the diff is still readable.
    expect(shown.text).toContain('GITHUB_PAT: "<redacted>"');
  });

  it('every line of that config as a - and a + line (re-indented): each secret masked, the rest of the line kept', () => {
    const after = HIDDEN_SECRETS_CONFIG.replace('bind: "lan"', 'bind: "loopback"').replace(/^ {2}/gm, '    ');
    const diff = fileDiff(CONFIG, HIDDEN_SECRETS_CONFIG, after);
    expect(diff.split('\n').filter((l) => /^[-+] /.test(l)).length).toBeGreaterThanOrEqual(2 * 16);
    expectNone(diff, HIDDEN_SECRETS, 'the diff');
    for (const kept of [
      'key=<redacted>&region=eu',
      'redis://:<redacted>@cache:6379',
      'hooks.slack.com/services/<redacted>',
      'ssh://git@github.com/acme/skills.git',
    ])
      expect(diff).toContain(kept);
  });
});

describe('tailscale plan: text and --json carry no secret of the config it diffs', () => {
  it('the config token, remote.token and a URL password stay out of the diff and the JSON', () => {
    const s = { token: secret('t'), remoteToken: secret('r'), urlPassword: secret('p') };
    const configText = `// my gateway\n{\n  gateway: {\n    port: 18789,\n    bind: "lan",\n    auth: { token: "${s.token}" },\n    remote: { url: "ws://me:${s.urlPassword}@gw:18789", token: "${s.remoteToken}" },\n  },\n}\n`;
    const ctx = buildContext(
      compose(
        LAN,
        TAILSCALE0,
        withTailscale('status-running.json', 'serve-none.json'),
        withGatewayProcess(42, ['openclaw-gateway']),
        withConfig({ gateway: { bind: 'lan', port: 18789 } }, {}, CONFIG),
        withSockets(tcpListener('0.0.0.0', 18789, 42, 'openclaw-gateway')),
      )(baselineSnapshot()),
    );
    const plan = buildTailscalePlan(ctx, { allow: [], format: 'grants', readFile: (p) => (p === CONFIG ? configText : undefined) });
    const diff = plan.steps.find((st) => st.id === 'config.gateway')?.diff ?? '';
    expect(diff).toMatch(/^\+\s+bind: "loopback",$/m);
    for (const [where, text] of Object.entries({ text: renderTailscalePlan(plan, { color: false }), json: JSON.stringify(plan) })) expectNone(text, s, where);
  });
});
