import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { exposureOutcome } from './exposure.js';

export const exposureLan: Check = {
  meta: {
    id: 'exposure.lan',
    title: 'The gateway is not reachable from the LAN',
    severity: 'warn',
    guide: GUIDE.firewall,
    docs:
      'Like `exposure.internet`, for LAN zones (interfaces on private subnets) and zones named with `--zone`. A LAN ' +
      "client can aim at *any* of the host's addresses through its link (Linux is a weak-host system), so a gateway " +
      'bound to the tailnet address is reachable from the LAN unless a rule filters it; the path names the ' +
      'destination address used.',
    fixable: true,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'loopback gateway behind socat on 0.0.0.0:8443',
        'loopback gateway behind socat on 127.0.0.1:8080 behind socat on 0.0.0.0:8443',
        'gateway on ::, no firewall, a link with only link-local addresses',
        'wildcard listener, INPUT admits eth1',
        'wildcard listener, INPUT admits ens10, whose address is a /32 with 10.0.0.0/16 routed via it',
        'wildcard listener, a LAN interface with only a /32 and no route via it: no client address, unknown (not closed) (unknown)',
        'tailnet-bound gateway, no firewall: the LAN aims at the tailnet address (weak host)',
      ],
      passes: [
        'loopback gateway behind socat bound to the tailnet address',
        'no LAN interface (skipped)',
        'tailnet-bound gateway, INPUT admits only tailscale0',
      ],
    },
  },
  evaluate: (ctx) =>
    exposureOutcome(ctx, ['lan', 'custom'], {
      what: 'every device on that network (and anything that compromises one) can drive the agent.',
      remediation: {
        summary: 'Bind the gateway to loopback (or the tailnet with a firewall rule that admits only tailscale0).',
        steps: ['openclaw config set gateway.bind loopback', 'sudo ufw default deny incoming'],
        automatic: true,
      },
    }),
};
