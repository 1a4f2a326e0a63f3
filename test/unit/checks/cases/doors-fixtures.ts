import type { Door } from '../../../../src/snapshot/types.js';
import { compose, tcpListener, withConfig, withGatewayProcess, withSockets } from '../../../fixtures/builders/snapshot.js';

/** Fixtures shared by the case tables: a loopback gateway with a config, and doors in front of it. */
export const LOOPBACK_GATEWAY = (config: Record<string, unknown>, lines: Record<string, number> = {}) =>
  compose(withConfig(config, lines), withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8)));

export function nginxDoor(port: number, options: Partial<Door> & { address?: string } = {}): Door {
  const { address, ...rest } = options;
  return {
    kind: 'nginx',
    pid: 20,
    listen: [{ address: address ?? '0.0.0.0', port, location: { file: '/etc/nginx/sites-enabled/openclaw', line: 2 } }],
    upstream: { host: '127.0.0.1', port: 18789 },
    via: 'proxy_pass http://127.0.0.1:18789',
    location: { file: '/etc/nginx/sites-enabled/openclaw', line: 5 },
    layer: 'http',
    forwardedFor: 'none',
    auth: [],
    ...rest,
  };
}

export function withNginx(door: Door) {
  return compose(withSockets(tcpListener(door.listen![0]!.address, door.listen![0]!.port, 20, 'nginx')), (s) => ({
    ...s,
    doors: { status: 'ok' as const, data: { doors: [...(s.doors?.status === 'ok' ? s.doors.data.doors : []), door], problems: [], read: [] } },
  }));
}
