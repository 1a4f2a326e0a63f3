import { isDeepStrictEqual } from 'node:util';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { interpolate } from '../../model/compose/interpolate.js';
import { isMergeKey } from '../../model/compose/reader.js';
import { coversPort, isLiteralLoopback, isSocketLongVolume, isSocketShortVolume, LOOPBACK, shortPortOnLoopback, splitShortPort } from './compose-ports.js';
import { EditError } from './errors.js';
import { applyPatches, detectEol, lineStart, positionOf, type Patch } from './text.js';
import {
  appendToBlockMap,
  appendToBlockSeq,
  appendToFlow,
  column,
  emptyListAfterKey,
  fillEmptyKey,
  removeBlockItems,
  removeBlockPair,
  rewriteFlowItems,
  scalarSource,
} from './yaml-splice.js';

/**
 * Hardening edits to one service of a docker compose file. Each function takes the file's
 * text and returns the new text (the same text when there is nothing to change), touching
 * only the lines the fix needs: comments, anchors, quoting and `${VAR:-default}`s elsewhere
 * stay as written. The result is parsed again and must equal the intended document, or an
 * EditError is thrown and nothing is returned.
 *
 * Anchors: an edit that would also change another service (a `ports:` list shared through
 * `&anchor`/`*alias`, a key inherited through `<<:`) is refused with an EditError of code
 * "shared" that names the line, since silently rewriting a neighbour is worse than asking
 * the user to do it by hand.
 */

export const DEFAULT_NETWORK = 'openclaw-net';

interface Loaded {
  text: string;
  doc: Document.Parsed;
  eol: '\n' | '\r\n';
  /** Anchor names some alias refers to. */
  aliased: Set<string>;
  /**
   * Why patching what was looked at would also change another part of the file. Noted
   * while looking, thrown only if the edit turns out to change something: a file that
   * needs no change is returned as it is, whatever it shares.
   */
  blockers: EditError[];
}

function load(text: string): Loaded {
  const lineCounter = new LineCounter();
  // The same reading as the audit's (src/model/compose/parse.ts): YAML 1.2 core schema, merge keys, unique keys.
  const doc = parseDocument(text, { lineCounter, schema: 'core', merge: true, uniqueKeys: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new EditError(`not valid YAML: ${error.message.split('\n')[0]}`, 'parse', Math.max(line, 1), Math.max(col, 1));
  }
  const aliased = new Set<string>();
  visit(doc, {
    Alias(_, node) {
      aliased.add(node.source);
    },
  });
  return { text, doc, eol: detectEol(text), aliased, blockers: [] };
}

function lineOf(l: Loaded, node: Node | null | undefined): number | undefined {
  return node?.range ? positionOf(l.text, node.range[0]).line : undefined;
}

function keyName(pair: Pair): string | undefined {
  const key = pair.key;
  if (!isScalar(key) || isMergeKey(key)) return undefined;
  return key.value === null || key.value === undefined ? '' : String(key.value);
}

function ownPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => keyName(p) === key);
}

/** The mappings merged into `map` with `<<:`, resolved. */
function mergedMaps(l: Loaded, map: YAMLMap): YAMLMap[] {
  const out: YAMLMap[] = [];
  for (const pair of map.items) {
    if (!isMergeKey(pair.key)) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const s of sources) {
      const node = isAlias(s) ? s.resolve(l.doc) : s;
      if (isMap(node)) out.push(node, ...mergedMaps(l, node));
    }
  }
  return out;
}

/**
 * The service's `key:` pair, its own or one it inherits through `<<:`. Editing an
 * inherited one would change its source, and every service that merges it: a blocker.
 */
function servicePair(l: Loaded, service: Service, key: string): Pair | undefined {
  const own = ownPair(service.map, key);
  if (own) return own;
  const inherited = mergedMaps(l, service.map)
    .map((m) => ownPair(m, key))
    .find((p) => p !== undefined);
  if (inherited) {
    const message = `service "${service.name}" inherits "${key}" through "<<:" (defined at line ${lineOf(l, inherited.key as Node)}); change it there or override it in the service by hand`;
    l.blockers.push(new EditError(message, 'shared', lineOf(l, service.map)));
  }
  return inherited;
}

/** Notes a blocker when an alias elsewhere repeats this node. */
function guardShared(l: Loaded, node: Node, what: string): void {
  const anchor = (node as { anchor?: string }).anchor;
  if (anchor && l.aliased.has(anchor)) {
    l.blockers.push(new EditError(`${what} is shared as "&${anchor}" with other parts of the file; edit it by hand`, 'shared', lineOf(l, node)));
  }
}

/** The node an alias stands for, noting a blocker: its anchor, not this service, holds the text. */
function guardAlias(l: Loaded, value: unknown, what: string): unknown {
  if (!isAlias(value)) return value;
  l.blockers.push(new EditError(`${what} is an alias ("*${value.source}"); edit the anchor or replace the alias by hand`, 'shared', lineOf(l, value)));
  return value.resolve(l.doc);
}

/** The node an alias stands for, without a blocker: for reading only. */
function resolved(l: Loaded, value: unknown): unknown {
  return isAlias(value) ? value.resolve(l.doc) : value;
}

interface Service {
  name: string;
  map: YAMLMap;
}

function rootMap(l: Loaded): YAMLMap {
  const root = l.doc.contents;
  if (!isMap(root)) throw new EditError('the top level of a compose file must be a mapping', 'not-object', lineOf(l, root as Node | null) ?? 1);
  return root;
}

function findService(l: Loaded, name: string): Service {
  const services = ownPair(rootMap(l), 'services');
  const map = services?.value;
  if (!isMap(map)) throw new EditError('the file has no "services:" mapping', 'no-service', lineOf(l, services?.key as Node | undefined) ?? 1);
  const pair = ownPair(map, name);
  if (!pair) throw new EditError(`the file has no service "${name}"`, 'no-service', lineOf(l, map));
  const value = guardAlias(l, pair.value, `service "${name}"`);
  if (!isMap(value)) throw new EditError(`service "${name}" is not a mapping`, 'not-object', lineOf(l, pair.key as Node));
  if (value.flow) throw new EditError(`service "${name}" is written as a flow mapping ("{ … }"); edit it by hand`, 'unsupported', lineOf(l, value));
  guardShared(l, value, `service "${name}"`);
  return { name, map: value };
}

/** Applies the patches, then checks the new text reads as the intended document. */
function finish(l: Loaded, patches: Patch[], expected: unknown): string {
  if (patches.length === 0) return l.text;
  const blocker = l.blockers[0];
  if (blocker) throw blocker;
  const out = applyPatches(l.text, patches);
  const check = parseDocument(out, { schema: 'core', merge: true, uniqueKeys: true });
  if (check.errors.length > 0 || !isDeepStrictEqual(check.toJS(), expected)) {
    throw new EditError('the edited compose file did not read back as intended; nothing was changed', 'verify');
  }
  return out;
}

/** The document as data, to state what an edit should produce. */
function intended(l: Loaded): { root: Record<string, unknown>; service: (name: string) => Record<string, unknown> } {
  const root = structuredClone(l.doc.toJS()) as Record<string, unknown>;
  return { root, service: (name) => (root['services'] as Record<string, Record<string, unknown>>)[name]! };
}

function scalarText(node: Scalar): string {
  return typeof node.value === 'string' ? node.value : String(node.value);
}

/** A service's `key:` list (ports, volumes), or undefined when it has none. */
function serviceList(l: Loaded, service: Service, key: string): { pair: Pair; seq: YAMLSeq } | undefined {
  const pair = servicePair(l, service, key);
  if (!pair) return undefined;
  const value = guardAlias(l, pair.value, `"${key}" of service "${service.name}"`);
  if (value === null || (isScalar(value) && value.value === null)) return undefined;
  if (!isSeq(value)) throw new EditError(`"${key}" of service "${service.name}" is not a list`, 'unsupported', lineOf(l, pair.key as Node));
  guardShared(l, value, `"${key}" of service "${service.name}"`);
  return { pair, seq: value };
}

/** An item we must change: an alias or a shared anchor there is a blocker. */
function ownItem(l: Loaded, item: unknown, what: string): Node {
  const node = guardAlias(l, item, what) as Node;
  guardShared(l, node, what);
  return node;
}

type PortMatch = { kind: 'short'; node: Scalar; raw: string } | { kind: 'long'; node: YAMLMap; hostIp: Pair | undefined };

/** Which items of a `ports:` list publish one of `ports` on an address other than a literal loopback one. */
function publicPortItems(l: Loaded, service: Service, seq: YAMLSeq, ports: readonly number[]): Map<number, PortMatch> {
  const found = new Map<number, PortMatch>();
  seq.items.forEach((item, index) => {
    const what = `port entry of service "${service.name}"`;
    const node = isAlias(item) ? item.resolve(l.doc) : item;
    if (isScalar(node)) {
      const raw = scalarText(node);
      if (!coversPort(splitShortPort(raw).container, ports) || shortPortOnLoopback(raw) === undefined) return;
      found.set(index, { kind: 'short', node: ownItem(l, item, what) as Scalar, raw });
    } else if (isMap(node)) {
      const target = ownPair(node, 'target')?.value;
      if (!isScalar(target) || !coversPort(scalarText(target), ports)) return;
      const hostIp = ownPair(node, 'host_ip');
      if (isScalar(hostIp?.value) && isLiteralLoopback(scalarText(hostIp.value))) return;
      found.set(index, { kind: 'long', node: ownItem(l, item, what) as YAMLMap, hostIp });
    }
  });
  return found;
}

/**
 * Publishes the given container ports on 127.0.0.1 only: "H:C" becomes "127.0.0.1:H:C"
 * (a `${VAR:-default}` host port kept), a long-syntax entry gets `host_ip: 127.0.0.1`.
 * Entries already on a literal loopback address are left alone.
 */
export function publishOnLoopback(text: string, service: string, containerPorts: readonly number[]): string {
  const l = load(text);
  const svc = findService(l, service);
  const list = serviceList(l, svc, 'ports');
  if (!list) return text;
  const matches = publicPortItems(l, svc, list.seq, containerPorts);
  if (matches.size === 0) return text;
  const want = intended(l);
  const jsPorts = want.service(service)['ports'] as unknown[];
  const patches: Patch[] = [];
  for (const [index, m] of matches) {
    if (m.kind === 'short') {
      const next = shortPortOnLoopback(m.raw)!;
      patches.push({ start: m.node.range![0], end: m.node.range![1], text: scalarSource(next, m.node, list.seq.flow ?? false) });
      jsPorts[index] = next;
      continue;
    }
    const hostIp = m.hostIp?.value;
    if (isScalar(hostIp) && hostIp.range) {
      patches.push({ start: hostIp.range[0], end: hostIp.range[1], text: scalarSource(LOOPBACK, hostIp, m.node.flow ?? false) });
    } else if (m.hostIp) {
      throw new EditError('a "host_ip" that is not a single value', 'unsupported', lineOf(l, m.hostIp.key as Node));
    } else if (m.node.flow) {
      patches.push(appendToFlow(m.node, `host_ip: ${LOOPBACK}`));
    } else {
      patches.push(appendToBlockMap(l.text, m.node, [`host_ip: ${LOOPBACK}`], l.eol));
    }
    (jsPorts[index] as Record<string, unknown>)['host_ip'] = LOOPBACK;
  }
  return finish(l, patches, want.root);
}

/**
 * Publishes a container port on 127.0.0.1 only, for a service that does not publish it
 * (`clawmoat doctor`: the host CLI cannot reach a gateway in Docker): adds
 * "127.0.0.1:HOST:CONTAINER" to its `ports:`, creating the list when there is none. A
 * service that already publishes the port, on any address, is left as it is; a network
 * mode that cannot publish (host, none, service:…, container:…) is an EditError.
 */
export function addLoopbackPublish(text: string, service: string, hostPort: number, containerPort: number): string {
  const l = load(text);
  const svc = findService(l, service);
  const nm = networkMode(l, svc);
  if (nm && nm.mode !== 'bridge' && nm.mode !== 'default') {
    throw new EditError(`service "${service}" has network_mode "${nm.mode}"; it cannot publish a port`, 'unsupported', lineOf(l, nm.pair.key as Node));
  }
  const entry = `${LOOPBACK}:${hostPort}:${containerPort}`;
  const pair = servicePair(l, svc, 'ports');
  const value = pair ? guardAlias(l, pair.value, `"ports" of service "${service}"`) : undefined;
  const publishes = (item: unknown): boolean => {
    const node = resolved(l, item);
    if (isScalar(node)) return coversPort(splitShortPort(scalarText(node)).container, [containerPort]);
    const target = isMap(node) ? ownPair(node, 'target')?.value : undefined;
    return isScalar(target) && coversPort(scalarText(target), [containerPort]);
  };
  if (isSeq(value) && value.items.some(publishes)) return text;
  const want = intended(l);
  const s = want.service(service);
  const quoted = JSON.stringify(entry);
  const patches: Patch[] = [];
  if (!pair) {
    patches.push(appendToBlockMap(l.text, svc.map, ['ports:', `${' '.repeat(listIndent(l, indentStep(l)))}- ${quoted}`], l.eol));
    s['ports'] = [entry];
  } else if (isSeq(value)) {
    guardShared(l, value, `"ports" of service "${service}"`);
    patches.push(value.flow || value.items.length === 0 ? appendToFlow(value, quoted) : appendToBlockSeq(l.text, value, quoted, l.eol));
    (s['ports'] as unknown[]).push(entry);
  } else if (value === null || (isScalar(value) && value.value === null)) {
    patches.push(fillEmptyKey(l.text, pair, [`- ${quoted}`], listIndent(l, indentStep(l)), l.eol));
    s['ports'] = [entry];
  } else {
    throw new EditError(`"ports" of service "${service}" is not a list`, 'unsupported', lineOf(l, pair.key as Node));
  }
  return finish(l, patches, want.root);
}

/** Takes some items out of a service's list; an emptied block list becomes `key: []`, keeping any comment lines under it. */
function removeItems(l: Loaded, pair: Pair, seq: YAMLSeq, indexes: readonly number[]): Patch[] {
  if (seq.flow) return [rewriteFlowItems(l.text, seq, (i) => !indexes.includes(i))];
  const patches = removeBlockItems(l.text, seq, indexes);
  if (indexes.length === seq.items.length) patches.push(emptyListAfterKey(l.text, pair));
  return patches;
}

/**
 * Stops publishing the given container ports (`--no-publish`): the entries that publish
 * them beyond loopback go; loopback ones stay, since they reach only this host.
 */
export function removePublishedPorts(text: string, service: string, containerPorts: readonly number[]): string {
  const l = load(text);
  const svc = findService(l, service);
  const list = serviceList(l, svc, 'ports');
  if (!list) return text;
  const indexes = [...publicPortItems(l, svc, list.seq, containerPorts).keys()];
  if (indexes.length === 0) return text;
  const want = intended(l);
  const s = want.service(service);
  s['ports'] = (s['ports'] as unknown[]).filter((_, i) => !indexes.includes(i));
  return finish(l, removeItems(l, list.pair, list.seq, indexes), want.root);
}

/** Removes the volumes that mount the Docker (or Podman) API socket, short or long syntax. */
export function removeDockerSocketMounts(text: string, service: string): string {
  const l = load(text);
  const svc = findService(l, service);
  const list = serviceList(l, svc, 'volumes');
  if (!list) return text;
  const indexes: number[] = [];
  list.seq.items.forEach((item, index) => {
    const node = isAlias(item) ? item.resolve(l.doc) : item;
    let socket = false;
    if (isScalar(node)) socket = isSocketShortVolume(scalarText(node));
    else if (isMap(node)) {
      const text = (key: string): string | undefined => {
        const v = ownPair(node, key)?.value;
        return isScalar(v) ? scalarText(v) : undefined;
      };
      socket = isSocketLongVolume(text('source'), text('target'));
    }
    if (!socket) return;
    ownItem(l, item, `volume of service "${service}"`);
    indexes.push(index);
  });
  if (indexes.length === 0) return text;
  const want = intended(l);
  const s = want.service(service);
  s['volumes'] = (s['volumes'] as unknown[]).filter((_, i) => !indexes.includes(i));
  return finish(l, removeItems(l, list.pair, list.seq, indexes), want.root);
}

function networkMode(l: Loaded, svc: Service): { pair: Pair; mode: string } | undefined {
  const pair = servicePair(l, svc, 'network_mode');
  if (!pair) return undefined;
  const value = guardAlias(l, pair.value, `"network_mode" of service "${svc.name}"`);
  if (!isScalar(value)) throw new EditError('"network_mode" is not a single value', 'unsupported', lineOf(l, pair.key as Node));
  const r = interpolate(scalarText(value), {});
  return { pair, mode: r.error === undefined ? r.value : scalarText(value) };
}

function dropNetworkMode(l: Loaded, svc: Service, pair: Pair): string {
  const want = intended(l);
  delete want.service(svc.name)['network_mode'];
  return finish(l, [removeBlockPair(l.text, pair)], want.root);
}

/** Removes `network_mode: host`; any other network mode is left as it is. */
export function removeHostNetwork(text: string, service: string): string {
  const l = load(text);
  const svc = findService(l, service);
  const nm = networkMode(l, svc);
  if (!nm || nm.mode !== 'host') return text;
  return dropNetworkMode(l, svc, nm.pair);
}

/** Two spaces unless the file shows otherwise: the indent of the first service under `services:`. */
function indentStep(l: Loaded): number {
  const services = ownPair(rootMap(l), 'services');
  const map = services?.value;
  const first = isMap(map) && !map.flow ? map.items[0] : undefined;
  if (!services || !first) return 2;
  const step = column(l.text, (first.key as Node).range![0]) - column(l.text, (services.key as Node).range![0]);
  return step > 0 ? step : 2;
}

/** How far a block list's "-" sits right of its key in this file (0 or the indent step). */
function listIndent(l: Loaded, fallback: number): number {
  let found: number | undefined;
  visit(l.doc, {
    Pair(_, pair) {
      if (found !== undefined) return visit.BREAK;
      const value = pair.value;
      if (isSeq(value) && !value.flow && value.range && isScalar(pair.key) && pair.key.range) {
        found = column(l.text, value.range[0]) - column(l.text, pair.key.range[0]);
      }
      return undefined;
    },
  });
  return found !== undefined && found >= 0 ? found : fallback;
}

/** Whether the file sets its last top-level key apart with a blank line, as a new one then should be. */
function blankBeforeLastKey(l: Loaded, root: YAMLMap): boolean {
  const last = root.items[root.items.length - 1];
  const start = last && isScalar(last.key) && last.key.range ? lineStart(l.text, last.key.range[0]) : 0;
  if (start === 0 || root.items.length < 2) return false;
  let end = start;
  if (l.text[end - 1] === '\n') end--;
  if (l.text[end - 1] === '\r') end--;
  return /^[ \t]*$/.test(l.text.slice(lineStart(l.text, end), end));
}

function networkNames(value: unknown): string[] {
  if (isSeq(value)) return value.items.filter(isScalar).map((s) => scalarText(s));
  if (isMap(value)) return value.items.map(keyName).filter((k): k is string => k !== undefined);
  return [];
}

/**
 * Puts the service on a user-defined network of its own, declared at the top level
 * (`driver: bridge`), instead of the host's network or Docker's default bridge.
 *
 * - `network_mode: host`, `bridge` or `default` is removed first (compose refuses it next
 *   to `networks:`); any other network mode (`none`, `service:…`, `container:…`) is an
 *   EditError, since the service then has no network of its own to change.
 * - A service already on a network the file declares (other than `default`) is left as
 *   it is: the user has made one.
 * - Networks the service is on are kept; `network` is added beside them.
 */
export function joinDedicatedNetwork(text: string, service: string, network: string = DEFAULT_NETWORK): string {
  const l = load(text);
  const svc = findService(l, service);
  const nm = networkMode(l, svc);
  if (nm) {
    if (nm.mode === 'host' || nm.mode === 'bridge' || nm.mode === 'default') return joinDedicatedNetwork(dropNetworkMode(l, svc, nm.pair), service, network);
    throw new EditError(`service "${service}" has network_mode "${nm.mode}"; it cannot join a network`, 'unsupported', lineOf(l, nm.pair.key as Node));
  }
  const root = rootMap(l);
  const topPair = ownPair(root, 'networks');
  const top = topPair ? resolved(l, topPair.value) : undefined;
  const declared = new Set(networkNames(top));
  const blockersBefore = l.blockers.length;
  const svcPair = servicePair(l, svc, 'networks');
  const svcNetworks = svcPair ? guardAlias(l, svcPair.value, `"networks" of service "${service}"`) : undefined;
  const joined = networkNames(svcNetworks);
  if (joined.some((n) => n !== 'default' && declared.has(n))) return text;
  // What blocks an edit of the service's "networks" matters only if it needs one.
  if (joined.includes(network)) l.blockers.length = blockersBefore;

  const step = indentStep(l);
  const want = intended(l);
  const patches: Patch[] = [];
  const s = want.service(service);
  if (!joined.includes(network)) {
    if (!svcPair) {
      patches.push(appendToBlockMap(l.text, svc.map, ['networks:', `${' '.repeat(listIndent(l, step))}- ${network}`], l.eol));
      s['networks'] = [network];
    } else if (isSeq(svcNetworks)) {
      guardShared(l, svcNetworks, `"networks" of service "${service}"`);
      patches.push(
        svcNetworks.flow || svcNetworks.items.length === 0 ? appendToFlow(svcNetworks, network) : appendToBlockSeq(l.text, svcNetworks, network, l.eol),
      );
      (s['networks'] as unknown[]).push(network);
    } else if (isMap(svcNetworks)) {
      guardShared(l, svcNetworks, `"networks" of service "${service}"`);
      patches.push(
        svcNetworks.flow || svcNetworks.items.length === 0
          ? appendToFlow(svcNetworks, `${network}: {}`)
          : appendToBlockMap(l.text, svcNetworks, [`${network}: {}`], l.eol),
      );
      (s['networks'] as Record<string, unknown>)[network] = {};
    } else if (svcNetworks === null || (isScalar(svcNetworks) && svcNetworks.value === null)) {
      patches.push(fillEmptyKey(l.text, svcPair, [`- ${network}`], listIndent(l, step), l.eol));
      s['networks'] = [network];
    } else {
      throw new EditError(`"networks" of service "${service}" is neither a list nor a mapping`, 'unsupported', lineOf(l, svcPair.key as Node));
    }
  }
  if (!declared.has(network)) {
    const entry = [`${network}:`, `${' '.repeat(step)}driver: bridge`];
    if (!topPair) {
      // At the end of the file: a new top-level key, after whatever the file ends with.
      const at = l.text.length;
      const sep = (l.text === '' || l.text.endsWith('\n') ? '' : l.eol) + (blankBeforeLastKey(l, root) ? l.eol : '');
      patches.push({ start: at, end: at, text: `${sep}networks:${l.eol}${entry.map((e) => `${' '.repeat(step)}${e}`).join(l.eol)}${l.eol}` });
    } else if (isMap(top)) {
      guardAlias(l, topPair.value, 'the top-level "networks"');
      guardShared(l, top, 'the top-level "networks"');
      patches.push(top.flow || top.items.length === 0 ? appendToFlow(top, `${network}: { driver: bridge }`) : appendToBlockMap(l.text, top, entry, l.eol));
    } else if (top === null || (isScalar(top) && top.value === null)) {
      patches.push(fillEmptyKey(l.text, topPair, entry, step, l.eol));
    } else {
      throw new EditError('the top-level "networks" is not a mapping', 'unsupported', lineOf(l, topPair.key as Node));
    }
    if (want.root['networks'] === null || want.root['networks'] === undefined) want.root['networks'] = {};
    (want.root['networks'] as Record<string, unknown>)[network] = { driver: 'bridge' };
  }
  return finish(l, patches, want.root);
}
