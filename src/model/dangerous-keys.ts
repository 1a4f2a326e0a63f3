/**
 * OpenClaw config flags whose only safe value is their default (false), so hardening
 * removes the key rather than setting it. From the reference (docs configuration-reference
 * §Gateway and the `security audit` checks); removing a key the gateway no longer knows is
 * also what `openclaw doctor --fix` does with `dangerouslyDisableDeviceAuth`.
 *
 * Tailscale Funnel is not here: it is `gateway.tailscale.mode: "funnel"`, a value to
 * change (to "serve" or "off"), not a key to remove.
 */
export interface DangerousKey {
  path: readonly string[];
  why: string;
}

export const DANGEROUS_CONFIG_KEYS: readonly DangerousKey[] = [
  {
    path: ['gateway', 'controlUi', 'dangerouslyDisableDeviceAuth'],
    why: 'turned off device identity for the Control UI (audit: gateway.control_ui.device_auth_disabled); retired and inert in current releases',
  },
  {
    path: ['gateway', 'controlUi', 'dangerouslyAllowHostHeaderOriginFallback'],
    why: 'accepts the Host header as the allowed origin, weakening the DNS-rebinding defence (audit: gateway.control_ui.host_header_origin_fallback)',
  },
  {
    path: ['gateway', 'controlUi', 'allowInsecureAuth'],
    why: 'allowed token-only Control UI over plain HTTP on older releases (audit: gateway.control_ui.insecure_auth)',
  },
  {
    path: ['gateway', 'allowRealIpFallback'],
    why: 'trusts X-Real-IP when X-Forwarded-For is absent, so a client can claim any address (audit: gateway.real_ip_fallback_enabled)',
  },
];

/** The value at `path` in a parsed config, or undefined. */
export function configValueAt(config: Record<string, unknown> | undefined, path: readonly string[]): unknown {
  let cur: unknown = config;
  for (const key of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The break-glass keys this config turns on. */
export function dangerousKeysOn(config: Record<string, unknown> | undefined): DangerousKey[] {
  return DANGEROUS_CONFIG_KEYS.filter((k) => configValueAt(config, k.path) === true);
}
