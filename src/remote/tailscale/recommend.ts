import type { AnalysisContext } from '../../model/context.js';
import { classifyAddress } from '../../model/addresses.js';
import type { TailscaleFacts } from '../../model/tailscale/facts.js';

/**
 * Which of OpenClaw's two Tailscale setups fits this host (reference: docs/gateway/tailscale.md,
 * docs/gateway/remote.md):
 *
 * - `serve`: `bind: "loopback"` + `tailscale.mode: "serve"`. OpenClaw claims Serve itself and
 *   proxies it to a dedicated loopback listener; the browser gets HTTPS at the MagicDNS name and
 *   the Control UI a secure context, and the tailnet identity authenticates the UI. The docs
 *   rank it above any bind beyond loopback.
 * - `tailnet`: `bind: "tailnet"` + token auth. The gateway listens on its 100.x address (and on
 *   127.0.0.1). Plain ws:// — fine for the CLI and agents, not for the browser UI (no device
 *   identity over remote HTTP).
 *
 * `--for` decides when given; otherwise the host does: where the gateway really listens
 * (sockets first, then config) and whether OpenClaw already runs Serve.
 */

export type Setup = 'serve' | 'tailnet';
export type Audience = 'browser' | 'cli';

/** Where the gateway listens now, as its sockets show (or its config says, when nothing listens). */
export type ObservedBind = 'loopback' | 'tailnet' | 'lan' | 'public' | 'wildcard' | 'unknown';

export interface Recommendation {
  setup: Setup;
  for: Audience;
  chosenBy: 'option' | 'host';
  /** One sentence: why this setup. */
  why: string;
  bind: { observed: ObservedBind; configured?: string; source: string; addresses: string[] };
}

const RANK: ObservedBind[] = ['wildcard', 'public', 'lan', 'tailnet', 'loopback'];

/** The widest class among the gateway's listening addresses on its main port. */
export function observedBind(ctx: AnalysisContext): { bind: ObservedBind; addresses: string[] } {
  const main = ctx.gateway.listeners.filter((s) => s.port === ctx.gateway.port.value);
  const addresses = [...new Set(main.map((s) => s.address))];
  if (addresses.length === 0) return { bind: 'unknown', addresses };
  const classes = addresses.map((a): ObservedBind => {
    const cls = classifyAddress(a, ctx.snapshot);
    if (cls === 'wildcard' || cls === 'public' || cls === 'loopback' || cls === 'tailnet') return cls;
    return cls === 'invalid' ? 'unknown' : 'lan';
  });
  const widest = RANK.find((r) => classes.includes(r)) ?? 'unknown';
  return { bind: widest, addresses };
}

/** Config bind values that mean "beyond loopback" in OpenClaw's enum. */
function fromConfig(bind: string | undefined): ObservedBind {
  if (bind === undefined || bind === 'loopback') return 'loopback';
  if (bind === 'tailnet') return 'tailnet';
  if (bind === 'lan' || bind === 'auto') return 'wildcard';
  return 'unknown';
}

export function recommend(ctx: AnalysisContext, facts: TailscaleFacts, audience?: Audience): Recommendation {
  const g = ctx.gateway;
  const seen = observedBind(ctx);
  const configured = g.effectiveBind?.value;
  const observed = seen.bind !== 'unknown' ? seen.bind : fromConfig(configured);
  let source = `listening on ${seen.addresses.join(', ')}:${g.port.value}`;
  if (seen.bind === 'unknown') {
    source = g.effectiveBind
      ? `${g.effectiveBind.source} (nothing listens on port ${g.port.value} now)`
      : `OpenClaw's default, loopback: nothing listens on port ${g.port.value} and no config was read`;
  }
  const bind = { observed, source, addresses: seen.addresses, ...(configured !== undefined ? { configured } : {}) };

  if (audience) {
    const setup: Setup = audience === 'browser' ? 'serve' : 'tailnet';
    const why =
      audience === 'browser'
        ? 'asked for the browser UI (--for browser): Serve gives it HTTPS on the MagicDNS name, and the gateway stays on loopback'
        : 'asked for the CLI and agents (--for cli): they connect over ws:// to the tailnet address with the gateway token';
    return { setup, for: audience, chosenBy: 'option', why, bind };
  }
  const mode = g.tailscaleMode?.value;
  if (mode === 'serve' || mode === 'funnel') {
    return {
      setup: 'serve',
      for: 'browser',
      chosenBy: 'host',
      why: `OpenClaw already runs Tailscale ${mode} (${g.tailscaleMode!.source}); Serve on a loopback gateway is the setup to keep`,
      bind,
    };
  }
  if (observed === 'tailnet') {
    return {
      setup: 'tailnet',
      for: 'cli',
      chosenBy: 'host',
      why: `the gateway is bound to the tailnet (${source}): keep it there with a token, for the CLI and agents; use --for browser to move to Serve for the Control UI`,
      bind,
    };
  }
  if (observed === 'loopback') {
    const already = facts.gatewayRoutes.some((r) => !r.funnel) ? ' and a Serve route already reaches it' : '';
    return {
      setup: 'serve',
      for: 'browser',
      chosenBy: 'host',
      why: `the gateway is on loopback (${source})${already}: add Serve, and it stays off every network but the tailnet`,
      bind,
    };
  }
  return {
    setup: 'serve',
    for: 'browser',
    chosenBy: 'host',
    why: `the gateway is reachable beyond loopback (${source}): move it back to loopback and reach it through Serve, the docs' preferred remote access; use --for cli to bind it to the tailnet instead`,
    bind,
  };
}
