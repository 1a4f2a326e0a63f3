import type { Product } from './types.js';

/** What the Control UI page and the health endpoint say about the server, read from their text. */

const PRODUCTS: [Product, RegExp][] = [
  ['openclaw', /<title>\s*OpenClaw Control\s*<\/title>|<openclaw-app[\s>]|data-openclaw-control-ui|__OPENCLAW_CONTROL_UI_BASE_PATH__/i],
  ['clawdbot', /<title>\s*Clawdbot Control\s*<\/title>|<clawdbot-app[\s>]|__CLAWDBOT_(?:ASSISTANT_NAME|CONTROL_UI_BASE_PATH)__/i],
  ['moltbot', /<title>\s*Moltbot Control\s*<\/title>|<moltbot-app[\s>]|__MOLTBOT_(?:ASSISTANT_NAME|CONTROL_UI_BASE_PATH)__/i],
];

export function productOfPage(html: string): Product | undefined {
  return PRODUCTS.find(([, pattern]) => pattern.test(html))?.[0];
}

/** OpenClaw releases are calendar versions: 2026.9.6, 2026.1.29-beta.1. */
const CALVER = /^(\d{4}\.\d{1,2}\.\d{1,2}(?:-(?:beta|alpha|rc)\.?\d+)?)/;

/** The build id the Control UI carries, e.g. "2026.9.6-release-eb377ac…", starts with the release. */
export function versionOfPage(html: string): string | undefined {
  const buildId = /data-(?:openclaw|clawdbot|moltbot)-control-ui-build-id="([^"]+)"/i.exec(html)?.[1];
  return buildId ? CALVER.exec(buildId)?.[1] : undefined;
}

export function calver(text: unknown): string | undefined {
  return typeof text === 'string' ? CALVER.exec(text)?.[1] : undefined;
}

/** `GET /healthz` on a gateway: 200 `{"ok":true,"status":"live"}`. */
export function isGatewayHealth(status: number, body: string): boolean {
  if (status !== 200) return false;
  try {
    const parsed = JSON.parse(body) as { ok?: unknown; status?: unknown };
    return parsed.ok === true && parsed.status === 'live';
  } catch {
    return false;
  }
}
