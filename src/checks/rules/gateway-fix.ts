import type { AnalysisContext } from '../../model/context.js';
import type { ConfigRef, GatewayBindIntent, GatewayTokenIntent } from '../fix-intents.js';

/** The fix intents the gateway checks share: where it listens and its token (checks/fix-intents.ts). */

export function configRef(ctx: AnalysisContext): ConfigRef {
  return ctx.gateway.configPath ? { file: ctx.gateway.configPath } : {};
}

/** Bind the gateway to a private address; `listeners` are where it is reachable now ("0.0.0.0:18789"). */
export function bindIntent(ctx: AnalysisContext, listeners: string[]): GatewayBindIntent {
  const g = ctx.gateway;
  const bind = g.configBind;
  const override = g.effectiveBind && g.effectiveBind.value !== (bind?.value ?? 'loopback') ? g.effectiveBind : undefined;
  return {
    kind: 'gateway.bind-private',
    config: {
      ...configRef(ctx),
      key: 'gateway.bind',
      ...(bind ? { value: bind.value } : {}),
      ...(bind?.location ? { location: bind.location } : {}),
    },
    ...(override ? { override: { value: override.value, source: override.source } } : {}),
    listeners,
  };
}

/** A fresh token in the config; `current` names where the winning token comes from now, when one is set. */
export function tokenIntent(ctx: AnalysisContext, because: GatewayTokenIntent['because']): GatewayTokenIntent {
  const token = ctx.gateway.auth.token;
  return {
    kind: 'gateway.set-token',
    config: configRef(ctx),
    because,
    ...(token ? { current: { source: token.source, ...(token.location ? { location: token.location } : {}) } } : {}),
  };
}
