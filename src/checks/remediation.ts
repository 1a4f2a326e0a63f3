import type { GatewayModel } from '../model/gateway.js';

/** How to restart the gateway, in the way it runs on this host. */
export function restartHint(gateway: GatewayModel): string {
  const unit = gateway.units[0];
  if (unit) {
    const name = unit.path.split('/').pop()!;
    return `restart the gateway: systemctl ${unit.scope === 'user' ? '--user ' : ''}restart ${name}`;
  }
  if (gateway.processes.length > 0) return `restart the gateway process (pid ${gateway.processes.map((p) => p.pid).join(', ')}) so it picks up the change`;
  return 'restart the gateway so it picks up the change (openclaw gateway restart)';
}
