import { describe, expect, it } from 'vitest';
import { ufwDryRunIsSafe } from '../../../../src/harden/dry-run.js';

/** ufw 0.36 writes ENABLED=/LOGLEVEL= to ufw.conf even under --dry-run: those commands are never dry-run. */
describe('ufwDryRunIsSafe', () => {
  it.each([
    [['ufw', 'allow', '2222/tcp'], true],
    [['ufw', 'delete', 'allow', '18789/tcp'], true],
    [['ufw', 'default', 'deny', 'incoming'], true],
    [['ufw', 'allow', 'in', 'on', 'tailscale0', 'to', 'any', 'port', '18789', 'proto', 'tcp'], true],
    [['ufw', '--force', 'enable'], false],
    [['ufw', 'enable'], false],
    [['ufw', '--force', 'disable'], false],
    [['ufw', 'logging', 'on'], false],
    [['ufw', 'reload'], false],
    [['ufw', '--force', 'reset'], false],
    [['ufw'], false],
  ])('%j → %s', (argv, safe) => {
    expect(ufwDryRunIsSafe(argv)).toBe(safe);
  });
});
