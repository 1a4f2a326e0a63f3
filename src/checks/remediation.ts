import type { GatewayModel } from '../model/gateway.js';
import { shellWord } from '../model/shell-word.js';

/** How to restart the gateway, in the way it runs on this host. */
export function restartHint(gateway: GatewayModel): string {
  const unit = gateway.units[0];
  if (unit) {
    // The unit's file name is the gateway user's choice (a user unit): one quoted word, or named in words.
    const name = shellWord(unit.path.split('/').pop()!);
    const scope = unit.scope === 'user' ? '--user ' : '';
    return name ? `restart the gateway: systemctl ${scope}restart ${name}` : `restart the gateway's ${scope}unit (its file name holds control characters)`;
  }
  if (gateway.processes.length > 0) return `restart the gateway process (pid ${gateway.processes.map((p) => p.pid).join(', ')}) so it picks up the change`;
  return 'restart the gateway so it picks up the change (openclaw gateway restart)';
}
