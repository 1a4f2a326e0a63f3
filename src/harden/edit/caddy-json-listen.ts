import { hostPort, isLoopback } from '../../model/addresses.js';
import { locateJson5Path, setJson5Path } from './json5-edit.js';

/**
 * Move the listeners of the one server of a Caddy JSON config that proxies to `dial`
 * (apps.http.servers.NAME.listen: ":443" → "127.0.0.1:443", "[::]:443" → "[::1]:443"), in place
 * through the JSON5 editor, so the rest of the file stays as written. Refused with why when no
 * single server holds that upstream, or a listener is written in a form not rewritten here.
 */
export function bindCaddyJson(text: string, dial: string, to: { v4: string; v6: string }): { text: string; server: string; line: number } | { error: string } {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    return { error: `not valid JSON: ${(error as Error).message}` };
  }
  const servers = (config as { apps?: { http?: { servers?: Record<string, { listen?: unknown; routes?: unknown }> } } })?.apps?.http?.servers ?? {};
  const holders = Object.entries(servers).filter(([, s]) => JSON.stringify(s?.routes ?? []).includes(`"dial":${JSON.stringify(dial)}`));
  if (holders.length !== 1) return { error: `${holders.length === 0 ? 'no' : 'more than one'} server of apps.http.servers proxies to ${dial}` };
  const [name, server] = holders[0]!;
  if (!Array.isArray(server.listen) || server.listen.length === 0)
    return { error: `server "${name}" has no listen list (Caddy's default, every address): add one by hand` };
  const moved: string[] = [];
  for (const entry of server.listen) {
    const m = typeof entry === 'string' ? /^((?:tcp[46]?)\/)?(?:\[([^\]]*)\]|([^:/[\]]*)):(\d+(?:-\d+)?)$/.exec(entry) : null;
    if (!m) return { error: `server "${name}" listens on ${JSON.stringify(entry)}, a form clawmoat does not rewrite` };
    const host = m[2] ?? m[3] ?? '';
    if (host !== '' && isLoopback(host)) {
      moved.push(entry as string);
      continue;
    }
    moved.push(`${m[1] ?? ''}${hostPort(m[2] !== undefined ? to.v6 : to.v4, m[4]!)}`);
  }
  const path = ['apps', 'http', 'servers', name, 'listen'];
  const edited = setJson5Path(text, path, moved);
  const at = locateJson5Path(edited, path);
  return { text: edited, server: name, line: at.found ? at.line : 1 };
}
