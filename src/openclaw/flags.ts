import type { GatewayFlags } from '../snapshot/types.js';
import { SecretVault, redactedSecret } from '../snapshot/redact.js';

/**
 * Read `openclaw gateway [run]` flags from a raw argv. Runs before redaction so a
 * `--token` keeps its length (for the weak-token check) while its value goes only
 * into the vault.
 */
export function parseGatewayFlags(argv: string[], vault?: SecretVault): GatewayFlags {
  const flags: GatewayFlags = {};
  const start = argv.indexOf('gateway');
  const args = start >= 0 ? argv.slice(start + 1) : argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const takeValue = (): string | undefined => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) return undefined;
      i++;
      return next;
    };
    switch (name) {
      case 'bind':
      case 'auth':
      case 'tailscale':
      case 'profile': {
        const value = takeValue();
        if (value !== undefined) flags[name] = value;
        break;
      }
      case 'port': {
        const value = Number(takeValue());
        if (Number.isInteger(value) && value > 0 && value < 65536) flags.port = value;
        break;
      }
      case 'token':
      case 'password': {
        const value = takeValue();
        if (value !== undefined) {
          vault?.remember(value);
          flags[name] = redactedSecret(value, 'cmdline');
        }
        break;
      }
      case 'password-file': {
        const value = takeValue();
        if (value !== undefined) flags.passwordFile = value;
        break;
      }
      case 'dev':
        flags.dev = true;
        break;
      case 'allow-unconfigured':
        flags.allowUnconfigured = true;
        break;
      default:
        break;
    }
  }
  return flags;
}
