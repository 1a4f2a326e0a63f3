import { compose, withConfig, withSocat, withoutDoors } from '../../../fixtures/builders/snapshot.js';
import { LOOPBACK_GATEWAY, nginxDoor, withNginx } from './doors-fixtures.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** doorNoAuth: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no gateway', snapshot: (s) => s, result: 'skipped' },
    { name: 'no door', snapshot: LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'none' } } }), result: 'pass' },
    {
      name: 'door in front of a token gateway',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'token' } } }), withNginx(nginxDoor(443))),
      result: 'pass',
    },
    {
      name: 'auth none, but the door asks for basic auth',
      snapshot: compose(
        LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'none' } } }),
        withNginx(nginxDoor(443, { auth: [{ text: 'auth_basic "OpenClaw"', location: { file: '/etc/nginx/sites-enabled/openclaw', line: 6 } }] })),
      ),
      result: 'pass',
    },
    {
      name: 'auth none, socat on 0.0.0.0:443 in front of an nginx on 127.0.0.1:8080 that asks for basic auth',
      snapshot: compose(
        LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'none' } } }),
        withNginx(
          nginxDoor(8080, {
            address: '127.0.0.1',
            auth: [{ text: 'auth_basic "OpenClaw"', location: { file: '/etc/nginx/sites-enabled/openclaw', line: 6 } }],
          }),
        ),
        withSocat(9, 443, 8080),
      ),
      result: 'pass',
    },
    {
      name: 'auth none, a door to another port',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'none' } } }), withNginx(nginxDoor(443, { upstream: { host: '127.0.0.1', port: 3000 } }))),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'auth none, a snapshot without doors (older clawmoat): unknown, not "no door"',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'none' } } }), withoutDoors()),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['no doors section'],
    },
    {
      name: 'auth none behind nginx on 0.0.0.0:443 with no auth of its own: critical',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'none' } } }, { 'gateway.auth.mode': 3 }), withNginx(nginxDoor(443))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['/etc/nginx/sites-enabled/openclaw:5', 'open from internet', 'openclaw.json:3'],
    },
    {
      name: 'auth none behind nginx on 127.0.0.1 only: warn',
      snapshot: compose(
        withConfig({ gateway: { auth: { mode: 'none' } } }),
        LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'none' } } }),
        withNginx(nginxDoor(8080, { address: '127.0.0.1' })),
      ),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['any local process'],
    },
  ],
};
