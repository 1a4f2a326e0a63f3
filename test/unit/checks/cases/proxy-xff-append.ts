import { compose } from '../../../fixtures/builders/snapshot.js';
import { LOOPBACK_GATEWAY, nginxDoor, withNginx } from './doors-fixtures.js';
import type { CheckCases } from '../../../../src/checks/types.js';

type Xff = 'append' | 'overwrite';

/** nginx on 0.0.0.0:443 proxying to another server block on 127.0.0.1:8080, which proxies to the gateway. */
function chain(outer: Xff, inner: Xff) {
  return compose(
    LOOPBACK_GATEWAY({ gateway: {} }),
    withNginx(
      nginxDoor(443, {
        upstream: { host: '127.0.0.1', port: 8080 },
        via: 'proxy_pass http://127.0.0.1:8080',
        forwardedFor: outer,
        forwardedForLocation: { file: '/etc/nginx/sites-enabled/openclaw', line: 7 },
      }),
    ),
    withNginx(
      nginxDoor(8080, {
        address: '127.0.0.1',
        location: { file: '/etc/nginx/sites-enabled/inner', line: 5 },
        forwardedFor: inner,
        forwardedForLocation: { file: '/etc/nginx/sites-enabled/inner', line: 6 },
      }),
    ),
  );
}

/** proxyXffAppend: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no door', snapshot: LOOPBACK_GATEWAY({ gateway: {} }), result: 'pass' },
    {
      name: 'nginx overwrites with $remote_addr',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: {} }), withNginx(nginxDoor(443, { forwardedFor: 'overwrite' }))),
      result: 'pass',
    },
    { name: 'nginx sends no XFF (its default)', snapshot: compose(LOOPBACK_GATEWAY({ gateway: {} }), withNginx(nginxDoor(443))), result: 'pass' },
    {
      // The gateway sees what the door nearest to it sends: the inner server block's $remote_addr.
      name: 'nginx appends, but the door behind it (127.0.0.1:8080) overwrites',
      snapshot: chain('append', 'overwrite'),
      result: 'pass',
    },
    {
      // The usual chain: the outer door sets the header, the inner one appends the proxy it came through.
      name: 'nginx on 127.0.0.1:8080 appends, reached only through a door that overwrites',
      snapshot: chain('overwrite', 'append'),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'nginx with $proxy_add_x_forwarded_for',
      snapshot: compose(
        LOOPBACK_GATEWAY({ gateway: {} }),
        withNginx(nginxDoor(443, { forwardedFor: 'append', forwardedForLocation: { file: '/etc/nginx/sites-enabled/openclaw', line: 7 } })),
      ),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['/etc/nginx/sites-enabled/openclaw:7', 'appends'],
    },
    {
      name: 'HAProxy option forwardfor',
      snapshot: compose(
        LOOPBACK_GATEWAY({ gateway: {} }),
        withNginx(
          nginxDoor(8447, {
            kind: 'haproxy',
            via: 'frontend web → backend gw server s1 127.0.0.1:18789',
            location: { file: '/etc/haproxy/haproxy.cfg', line: 13 },
            forwardedFor: 'append',
            forwardedForLocation: { file: '/etc/haproxy/haproxy.cfg', line: 10 },
          }),
        ),
      ),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['/etc/haproxy/haproxy.cfg:10', 'HAProxy frontend web'],
    },
  ],
};
