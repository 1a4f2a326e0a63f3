import { describe, expect, it } from 'vitest';
import { auditContext } from '../../../src/audit.js';
import { internetExposure } from '../../../src/doctor/symptoms/internet-exposure.js';
import { buildContext } from '../../../src/model/context.js';
import { describeDoor, snapshotDoors } from '../../../src/model/doors.js';
import type { Door } from '../../../src/snapshot/types.js';
import { baselineSnapshot, compose, withSocat } from '../../fixtures/builders/snapshot.js';
import { diagnose, loopbackGateway } from '../doctor/helpers.js';
import { nginxDoor, withNginx } from './cases/doors-fixtures.js';

/**
 * How to close a door has one wording (checks/door-advice.ts): the exposure check's remediation
 * (which harden prints when it cannot make the change) and doctor's fix say the same thing.
 */

const SITE = '/etc/nginx/sites-enabled/openclaw';

const nginx = (address: string): Door => nginxDoor(443, { address, tls: true });

/** The check's first remediation step and doctor's fix for the same host. */
function bothSay(patch: ReturnType<typeof compose>, door: Door): { check: string; doctor: string } {
  const report = auditContext(buildContext(patch(baselineSnapshot())));
  const finding = report.findings.find((f) => f.id === 'exposure.internet' && f.status === 'fail');
  const fix = diagnose(internetExposure, patch).fix?.commands?.find((c) => c.startsWith(`${describeDoor(door)}: `));
  return { check: finding?.remediation.steps[0] ?? '', doctor: fix?.slice(describeDoor(door).length + 2) ?? '' };
}

describe('door advice: one wording for the check and doctor', () => {
  it('nginx on every address: the listen to write at its file and line, and a restart (a reload cannot give up a wildcard socket)', () => {
    const door = nginx('0.0.0.0');
    const { check, doctor } = bothSay(compose(loopbackGateway(), withNginx(door)), door);
    expect(check).toBe(
      `write \`listen 127.0.0.1:443 ssl;\` at ${SITE}:2, or keep it public and add \`allow <your network>; deny all;\` or \`auth_basic\` in front of proxy_pass; then \`nginx -t && systemctl restart nginx\``,
    );
    expect(doctor).toBe(check);
  });

  it('nginx on one public address: a reload is enough', () => {
    const door = nginx('198.51.100.10');
    const { check, doctor } = bothSay(compose(loopbackGateway(), withNginx(door)), door);
    expect(check).toMatch(/then `nginx -t && systemctl reload nginx`$/);
    expect(doctor).toBe(check);
  });

  it('socat: restart it bound to loopback, in both', () => {
    const patch = compose(loopbackGateway(), withSocat(900, 443, 18789));
    const socat = snapshotDoors(patch(baselineSnapshot())).doors[0];
    const { check, doctor } = bothSay(patch, socat!);
    expect(check).toBe('restart it with `TCP-LISTEN:443,fork,bind=127.0.0.1`, or with `range=<your network>`');
    expect(doctor).toBe(check);
  });
});
