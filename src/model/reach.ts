import ipaddr from 'ipaddr.js';
import type { Snapshot, Socket } from '../snapshot/types.js';
import type { HostFacts, Packet, SimResult, Step } from '../netfilter/simulate/types.js';
import { prepare, type Simulator } from '../netfilter/simulate/index.js';
import { entrancesTo } from '../netfilter/entrances.js';
import { parseIpsetSave } from '../netfilter/ipset.js';
import { unreadLegacyTables } from './legacy-tables.js';
import { policyRoutingUnmodelled } from './policy-routing.js';
import type { Ruleset } from '../netfilter/model.js';
import { answerFor, cellOf, judgePath, RANK, type Attempt } from './attempt.js';
import { socketAccepts } from './listeners.js';
import { serveRow, userSpaceRows, type ServePort } from './serve-reach.js';
import { throughDoor, type SocketDoor, type UserSpaceRow } from './doors.js';
import { buildZones, zoneSpace, type Zone, type ZoneSpec } from './zones.js';
import { MAX_SOURCES, zoneSources } from './zone-sources.js';
import { addressPredicates } from '../netfilter/address-predicates.js';
import { hostPort, isCanonicalV4, isLoopback, parseAddress } from './addresses.js';

/**
 * The reachability matrix: for each listener and each zone, what happens to a
 * client's first packet — open, filtered, closed, or unknown (with why) — and the
 * path that decided it, rule by rule. Pure: a snapshot and its parsed ruleset in,
 * the matrix out.
 */

export type { Attempt } from './attempt.js';
export type { DoorHop, ReachCell, ReachListener, ReachMatrix, ReachVerdict } from './reach-types.js';
import type { DoorHop, ReachCell, ReachListener, ReachMatrix, ReachVerdict } from './reach-types.js';

export function hostFacts(snapshot: Snapshot): HostFacts {
  const interfaces = snapshot.network.interfaces.status === 'ok' ? snapshot.network.interfaces.data : [];
  const routes = snapshot.network.routes.status === 'ok' ? snapshot.network.routes.data : [];
  const facts: HostFacts = {
    addresses: interfaces.flatMap((i) => i.addresses.map((a) => ({ iface: i.name, address: a.address, prefixlen: a.prefixlen, family: a.family }))),
    routes: routes
      .filter((r) => r.table === undefined || r.table === 'main' || r.table === 'local')
      .map((r) => {
        const route: HostFacts['routes'][number] = { family: r.family, dst: r.dst };
        if (r.dev) route.dev = r.dev;
        if (r.gateway) route.gateway = r.gateway;
        if (r.type) route.type = r.type;
        return route;
      }),
    sysctl: snapshot.network.sysctl.status === 'ok' ? snapshot.network.sysctl.data : {},
    bridges: interfaces.filter((i) => i.kind === 'bridge').map((i) => i.name),
  };
  if (snapshot.netfilter.ipsetSave.status === 'ok') facts.ipsets = parseIpsetSave(snapshot.netfilter.ipsetSave.data);
  return facts;
}

function listenerOf(socket: Socket, gatewaySockets: Set<Socket>, door: SocketDoor | undefined): ReachListener {
  const l: ReachListener = {
    address: socket.address,
    port: socket.port,
    protocol: socket.protocol,
    gateway: gatewaySockets.has(socket) || door?.gateway === true,
  };
  if (socket.process) l.process = socket.process;
  if (socket.pid !== undefined) l.pid = socket.pid;
  if (door && (door.gateway || door.hop.unknown)) l.door = door.hop;
  return l;
}

function families(socket: Socket): (4 | 6)[] {
  if (socket.family === 4) return [4];
  return socket.address === '::' && socket.v6only !== true ? [6, 4] : [6];
}

export function judge(result: SimResult, socket: Socket, packet: Packet, family: 4 | 6): Attempt {
  const decided = judgePath(result, packet);
  if (decided) return decided;
  const base = { destination: packet.daddr, source: packet.saddr, path: [...result.steps] };
  switch (result.disposition) {
    case 'forward':
      return {
        ...base,
        verdict: 'open',
        reason: `forwarded to ${result.daddr}:${result.dport}${result.oif ? ` via ${result.oif}` : ''} (a published container port)`,
      };
    case 'local': {
      const accepted = socketAccepts(socket, { family, protocol: socket.protocol, daddr: result.daddr, dport: result.dport, iif: packet.iif });
      const where = hostPort(socket.address, socket.port);
      if (accepted) {
        const proxy = socket.process === 'docker-proxy' ? '; docker-proxy forwards it to the container' : '';
        base.path.push({
          hook: 'socket',
          table: '',
          chain: '',
          text: `delivered to ${where}${socket.process ? ` (${socket.process})` : ''}${proxy}`,
          action: 'accept',
        });
        return { ...base, verdict: 'open', reason: `delivered to ${where}${proxy}` };
      }
      const why = result.dport !== socket.port ? `redirected to port ${result.dport}` : `the socket is bound to ${socket.address}, not ${result.daddr}`;
      if (result.answer?.kind === 'synack') {
        // Another listener takes the translated connection: the client talks to it, not to this one.
        const other = `reaches the host, but ${why}, where another listener answers`;
        base.path.push({ hook: 'socket', table: '', chain: '', text: other, action: 'closed' });
        return { ...base, verdict: 'closed', reason: other };
      }
      if (socket.protocol === 'tcp' && family === 6 && isIpv6Loopback(packet.saddr) && !isIpv6Loopback(result.daddr)) {
        // Observed on Linux 6.x: the stack's reset from a global address to ::1 is routed away
        // from lo, so the client never hears the refusal (test/system/reach-kernel.test.ts).
        const lost = `reaches the host, but ${why}; the kernel's reset to ${packet.saddr} is lost, so the client times out`;
        base.path.push({ hook: 'socket', table: '', chain: '', text: lost, action: 'drop' });
        return { ...base, verdict: 'filtered', reason: lost };
      }
      base.path.push({ hook: 'socket', table: '', chain: '', text: `reaches the host, but ${why}`, action: 'closed' });
      return { ...base, verdict: 'closed', reason: `reaches the host, but ${why}` };
    }
    default:
      // judgePath has decided every other disposition.
      return decided as never;
  }
}

export function computeReach(
  snapshot: Snapshot,
  ruleset: Ruleset,
  options: {
    zones?: ZoneSpec[];
    gatewaySockets?: Set<Socket>;
    extraSockets?: Socket[];
    limitations?: readonly string[];
    serve?: readonly ServePort[];
    /** Doors on kernel sockets (reverse proxies, forwarders), by socket. */
    socketDoors?: ReadonlyMap<Socket, SocketDoor>;
    /** Doors with no kernel listener here (outbound tunnels); Serve ports are added from `serve`. */
    userSpace?: readonly UserSpaceRow[];
    /**
     * Why Tailscale Serve/Funnel routes may exist that were not read (TailscaleFacts.serveUnread):
     * then no gateway row is closed or filtered from beyond loopback, only open or unknown.
     */
    serveUnread?: string;
  } = {},
): ReachMatrix {
  const zones = buildZones(snapshot, options.zones ?? []);
  const sockets = [...(snapshot.sockets.status === 'ok' ? snapshot.sockets.data : []), ...(options.extraSockets ?? [])];
  const gatewaySockets = options.gatewaySockets ?? new Set<Socket>();
  const limitations: string[] = [];
  const rulesetKnown = snapshot.netfilter.iptablesSave.status === 'ok' || snapshot.netfilter.nftRuleset.status === 'ok';
  if (!rulesetKnown) limitations.push('the firewall ruleset could not be read: every non-loopback cell is unknown (run as root)');
  // Legacy tables that exist but were not read can decide any cell of their family, but loopback's (as above).
  const unreadLegacy = new Map(unreadLegacyTables(snapshot.netfilter).map((u) => [u.family, u]));
  for (const u of unreadLegacy.values()) limitations.push(`${u.detail}: every non-loopback IPv${u.family} cell is unknown; ${u.advice}`);
  if (snapshot.sockets.status !== 'ok') limitations.push(`sockets could not be read: ${snapshot.sockets.detail}`);
  limitations.push(...(options.limitations ?? []));
  const facts = hostFacts(snapshot);
  const simulator = prepare(ruleset, facts);
  // rp_filter's lookup follows `ip rule`, which the simulator does not (policy-routing.ts): its drop is then not a fact.
  const policy = new Map(([4, 6] as const).map((f) => [f, policyRoutingUnmodelled(snapshot, f)]));
  const judgeRouted = (result: SimResult, socket: Socket, packet: Packet, family: 4 | 6): Attempt => {
    const attempt = judge(result, socket, packet, family);
    const why = policy.get(family);
    if (result.disposition !== 'dropped' || result.reason !== 'rp-filter' || why === undefined) return attempt;
    return { ...attempt, verdict: 'unknown', reason: `${attempt.reason}; but ${why}, and the kernel's reverse-path lookup follows them` };
  };
  // A zone's clients are many addresses: one per class the ruleset's address tests tell apart.
  const predicates = addressPredicates(ruleset, facts.ipsets);
  const untried = new Map<Zone, Partial<Record<4 | 6, { classes: number; rules: string[] }>>>();
  for (const zone of zones) {
    zone.sources = { 4: [], 6: [] };
    for (const family of [4, 6] as const) {
      if (zone.source[family] === undefined) continue;
      const found = zoneSources(family, zoneSpace(snapshot, zone, family), predicates, zone.source[family]);
      zone.sources[family] = found.sources.length > 0 ? found.sources : [zone.source[family]!];
      zone.source[family] = zone.sources[family][0];
      if (found.untried) (untried.get(zone) ?? untried.set(zone, {}).get(zone)!)[family] = { classes: found.classes, rules: found.untried };
    }
  }
  const canonical = (a: string): string => parseAddress(a)?.toString() ?? a;
  const local = new Set(facts.addresses.map((a) => canonical(a.address)));
  // Asked of every literal DNAT target (thousands on a kube-proxy host): a dotted quad is its own canonical text, loopback when in 127/8.
  const isLocal = (a: string): boolean => (isCanonicalV4(a) ? local.has(a) || a.startsWith('127.') : local.has(canonical(a)) || isLoopback(a));
  const cells: ReachCell[] = [];
  const listeners = new Map(sockets.map((s) => [s, listenerOf(s, gatewaySockets, options.socketDoors?.get(s))]));
  for (const socket of sockets) {
    const listener = listeners.get(socket)!;
    const door = options.socketDoors?.get(socket);
    for (const zone of zones) {
      let best: Attempt | undefined;
      for (const family of families(socket)) {
        for (const saddr of zone.sources?.[family] ?? []) {
          for (const daddr of zone.targets[family]) {
            const packet: Packet = {
              family: family === 4 ? 'ip' : 'ip6',
              iif: zone.interface,
              saddr,
              daddr,
              protocol: socket.protocol,
              sport: 40000,
              dport: socket.port,
            };
            const unread = zone.kind === 'loopback' ? undefined : !rulesetKnown ? 'the firewall ruleset could not be read' : unreadLegacy.get(family)?.detail;
            const attempt: Attempt =
              unread !== undefined
                ? { verdict: 'unknown', destination: daddr, source: saddr, reason: unread, path: [] }
                : judgeRouted(simulator.simulate(packet, answerFor(sockets, family, socket.protocol, packet.iif)), socket, packet, family);
            if (
              !best ||
              RANK[attempt.verdict] > RANK[best.verdict] ||
              (RANK[attempt.verdict] === RANK[best.verdict] && zone.kind !== 'loopback' && isLoopback(best.destination) && !isLoopback(attempt.destination))
            )
              best = attempt;
            if (best.verdict === 'open') break;
          }
          if (best?.verdict === 'open') break;
        }
        if (best?.verdict === 'open') break;
      }
      best = beyondTriedSources(best, untried.get(zone), families(socket));
      // A translation's path crosses tables that were not read when a family's legacy tables were not.
      const blind = zone.kind !== 'loopback' && (!rulesetKnown || families(socket).some((f) => unreadLegacy.has(f)));
      if (best?.verdict !== 'open' && !blind) {
        const other = throughTranslations(simulator, ruleset, sockets, socket, zone, isLocal);
        if (other && (other.verdict === 'open' || !best || RANK[other.verdict] > RANK[best.verdict])) best = other;
      }
      if (best && door) best = throughDoor(best, door);
      // tailscaled answers Serve (tailnet) and Funnel (anyone) routes in user space, before the
      // host firewall, so a route that was not read may carry any zone's client to the gateway.
      if (options.serveUnread && listener.gateway && zone.kind !== 'loopback' && best?.verdict !== 'open' && best?.verdict !== 'unknown')
        best = {
          verdict: 'unknown',
          destination: best?.destination ?? '',
          source: best?.source ?? zone.source[4] ?? zone.source[6] ?? '',
          reason: options.serveUnread,
          path: best?.path ?? [],
        };
      cells.push(cellOf(listener, zone, best, socket.family, zone.source[4] ?? zone.source[6] ?? ''));
    }
  }
  const rows = [...(options.serve ?? []).map(serveRow), ...(options.userSpace ?? [])];
  const served = userSpaceRows(rows, zones, { simulator, sockets, rulesetKnown });
  cells.push(...served.cells);
  return { zones, listeners: [...listeners.values(), ...served.listeners], cells, limitations };
}

/** At most this many other (address, port) pairs are tried per cell and source through translations. */
const MAX_TRANSLATED_ATTEMPTS = 256;

/**
 * A cell answers "by any port and any address the client can aim at": every DNAT/REDIRECT that
 * can land on the socket's port is a path (entrances.ts). Tried when the socket's own port did
 * not open: the first attempt that a translation delivers to this socket decides (open); one the
 * model cannot decide makes the cell unknown; anything else is about other ports and is left out.
 */
function throughTranslations(
  simulator: Simulator,
  ruleset: Ruleset,
  sockets: readonly Socket[],
  socket: Socket,
  zone: Zone,
  isLocal: (address: string) => boolean,
): Attempt | undefined {
  const accepts = (a: string): boolean =>
    socketAccepts(socket, { family: a.includes(':') ? 6 : 4, protocol: socket.protocol, daddr: a, dport: socket.port, iif: zone.interface });
  const entrances = entrancesTo(ruleset, socket.port, accepts, isLocal);
  if (entrances.length === 0) return undefined;
  let unknown: Attempt | undefined;
  for (const family of families(socket)) {
    // Each source its own budget: a class tried late must not find it spent by the first ones.
    sources: for (const saddr of zone.sources?.[family] ?? []) {
      const tried = new Set<string>();
      const pf = family === 4 ? 'ip' : 'ip6';
      for (const e of entrances) {
        if (e.family !== undefined && e.family !== pf) continue;
        if (e.toAddr !== undefined && !socketAccepts(socket, { family, protocol: socket.protocol, daddr: e.toAddr, dport: socket.port, iif: zone.interface }))
          continue;
        // A same-link client can aim at any address through the host; the internet only at the host's.
        const extra = zone.kind === 'internet' ? [] : e.addrs.filter((a) => a.includes(':') === (family === 6));
        // The addresses a client there would use first (loopback last): the first path found is the one shown.
        const daddrs = [...new Set([...zone.targets[family], ...extra])].sort((a, b) => Number(isLoopback(a)) - Number(isLoopback(b)));
        for (const dport of e.ports) {
          for (const daddr of daddrs) {
            if (dport === socket.port && zone.targets[family].includes(daddr)) continue;
            const key = `${daddr}|${dport}`;
            if (tried.has(key)) continue;
            if (tried.size >= MAX_TRANSLATED_ATTEMPTS) continue sources;
            tried.add(key);
            const packet: Packet = { family: pf, iif: zone.interface, saddr, daddr, protocol: socket.protocol, sport: 40000, dport };
            const answer = answerFor(sockets, family, socket.protocol, packet.iif);
            let result = simulator.simulate(packet, answer);
            let chance = '';
            const delivers = (r: SimResult): boolean =>
              !judgePath(r, packet) &&
              r.disposition === 'local' &&
              socketAccepts(socket, { family, protocol: socket.protocol, daddr: r.daddr, dport: r.dport, iif: packet.iif });
            if (result.disposition === 'unknown') {
              // Undecidable points: a branch the kernel picks at random for each connection (kube-proxy's
              // endpoint choice) that delivers here is a path a client meets by retrying.
              const branches = simulator.branches(packet, answer);
              const hit = branches?.find((b) => delivers(b.result));
              if (hit && hit.random) {
                result = hit.result;
                chance = ` (one of ${branches?.length ?? 0} choices the kernel makes at random for each connection)`;
              } else {
                const decided = judgePath(result, packet);
                if (hit || branches === undefined)
                  unknown ??= {
                    ...(decided as Attempt),
                    port: dport,
                    reason: `through ${e.where} (aimed at ${daddr} port ${dport}): ${decided?.reason ?? ''}`,
                  };
                continue;
              }
            }
            if (!delivers(result)) continue;
            const where = hostPort(socket.address, socket.port);
            const reason = `aimed at ${hostPort(daddr, dport)}, translated by ${e.where} and delivered to ${where}${chance}`;
            const path = [
              ...result.steps,
              { hook: 'socket', table: '', chain: '', text: `delivered to ${where}${socket.process ? ` (${socket.process})` : ''}`, action: 'accept' },
            ];
            return { verdict: 'open', destination: daddr, port: dport, source: saddr, reason, path };
          }
        }
      }
    }
  }
  return unknown;
}

/**
 * A cell not found open when the zone had more classes of source addresses than were tried: a
 * client from an untried class may get in, so the answer is unknown, naming the rules.
 */
function beyondTriedSources(
  best: Attempt | undefined,
  untried: Partial<Record<4 | 6, { classes: number; rules: string[] }>> | undefined,
  tried: (4 | 6)[],
): Attempt | undefined {
  if (!best || RANK[best.verdict] >= RANK.unknown) return best;
  const left = tried.flatMap((f) => (untried?.[f] ? [untried[f]] : []))[0];
  if (!left) return best;
  const reason = `${best.reason}; but the ruleset tells ${left.classes} classes of client addresses apart and only ${MAX_SOURCES} were tried (rules such as ${left.rules.join(' | ')})`;
  return { ...best, verdict: 'unknown', reason };
}

function isIpv6Loopback(address: string): boolean {
  return ipaddr.IPv6.isValid(address) && ipaddr.IPv6.parse(address).range() === 'loopback';
}
