import type { Door } from '../../snapshot/types.js';

/**
 * Forwarders read from their command line: socat, ssh/autossh (-L to this host, -R out to
 * another), kubectl port-forward. Pure: argv in, doors out. All are headerless (layer 4): the
 * gateway sees the forwarder's own loopback address (reference/doors.md §0, §2.4, §2.5).
 */

export function programName(argv: readonly string[]): string {
  return (argv[0] ?? '').split(/\s/)[0]!.split('/').pop() ?? '';
}

/** `[v6]:port` / `host:port` / `port` split from the right. */
function splitHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  if (m) return { host: m[1] ?? m[2] ?? '', port: Number(m[3]) };
  return /^\d{1,5}$/.test(text) ? { host: '', port: Number(text) } : undefined;
}

// ------------------------------------------------------------------------------------------------
// socat

/** socat options that take the next argument (socat(1)); the others are single words (-d, -v, -T10, -lpNAME). */
const SOCAT_ARG_OPTIONS = new Set(['-lf', '-L', '-W', '-T', '-t', '-b', '-r', '-R', '-lp']);

/** An address that listens (TCP-LISTEN, tcp-l, UNIX-LISTEN, ABSTRACT-LISTEN, SCTP-LISTEN, OPENSSL-LISTEN, ...). */
const LISTENING_WORD = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*-L(ISTEN)?(:|,|$)/i;

interface SocatAddress {
  type: string;
  params: string[];
  options: Map<string, string>;
}

function socatAddress(text: string): SocatAddress {
  const [head, ...opts] = text.split(',');
  const parts = head!.split(':');
  const options = new Map<string, string>();
  for (const o of opts) {
    const eq = o.indexOf('=');
    options.set((eq < 0 ? o : o.slice(0, eq)).toLowerCase(), eq < 0 ? '' : o.slice(eq + 1));
  }
  return { type: parts[0]!.toUpperCase(), params: parts.slice(1), options };
}

const LISTEN_TYPES: Record<string, 4 | 6 | undefined> = {
  'TCP-LISTEN': undefined,
  'TCP-L': undefined,
  'TCP4-LISTEN': 4,
  'TCP4-L': 4,
  'TCP6-LISTEN': 6,
  'TCP6-L': 6,
};
const CONNECT_TYPES = new Set(['TCP', 'TCP4', 'TCP6', 'TCP-CONNECT', 'TCP4-CONNECT', 'TCP6-CONNECT']);
const UNIX_TYPES = new Set(['UNIX-CONNECT', 'UNIX', 'UNIX-CLIENT', 'ABSTRACT-CONNECT', 'ABSTRACT', 'ABSTRACT-CLIENT']);

// An abstract socket (Linux) is named "@name" here, as ss and HAProxy's abns@ write it.
const UNIX_LISTEN_TYPES = new Set(['UNIX-LISTEN', 'UNIX-L', 'ABSTRACT-LISTEN', 'ABSTRACT-L']);

/** A unix address's path, rejoined where socat split it on ":" ("/run/a:b.sock"); "@name" for an abstract one. */
function socatPath(a: SocatAddress): string | undefined {
  const path = a.params.join(':');
  if (!path) return undefined;
  return a.type.startsWith('ABSTRACT') ? `@${path}` : path;
}

function listens(a: SocatAddress): boolean {
  return a.type in LISTEN_TYPES || UNIX_LISTEN_TYPES.has(a.type);
}

/** Where socat's connecting address sends: a host and port, or a unix socket. */
function socatUpstream(back: SocatAddress): Door['upstream'] | undefined {
  if (CONNECT_TYPES.has(back.type)) {
    const port = Number(back.params.at(-1));
    const host = back.params
      .slice(0, -1)
      .join(':')
      .replace(/^\[|\]$/g, '');
    return Number.isInteger(port) && host ? { host, port } : undefined;
  }
  if (UNIX_TYPES.has(back.type)) {
    const path = socatPath(back);
    return path ? { unix: path } : undefined;
  }
  return undefined;
}

export function socatDoor(argv: readonly string[], pid?: number): Door | undefined {
  const read = readSocat(argv, pid);
  return read && 'kind' in read ? read : undefined;
}

/**
 * A socat that listens but whose command line clawmoat cannot follow (an address type it does
 * not model, options it cannot place): why, so its sockets are `unknown` rather than plain
 * listeners. Undefined for a door or for a socat that listens nowhere (a client).
 */
export function socatProblem(argv: readonly string[]): string | undefined {
  const read = readSocat(argv);
  return read && 'why' in read ? read.why : undefined;
}

function readSocat(argv: readonly string[], pid?: number): Door | { why: string } | undefined {
  const words: string[] = [];
  let v6 = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (words.length === 0 && a.startsWith('-') && a.length > 1) {
      if (SOCAT_ARG_OPTIONS.has(a)) i++;
      if (a === '-6') v6 = true;
      continue;
    }
    words.push(a);
  }
  const listening = words.some((w) => LISTENING_WORD.test(w));
  const unreadable = (why: string) => (listening ? { why: `socat ${words.join(' ')}: ${why}` } : undefined);
  if (words.length !== 2) return unreadable(`${words.length} addresses where socat takes two`);
  const [a, b] = words.map(socatAddress) as [SocatAddress, SocatAddress];
  // Either order is valid socat; the listening one is the door's front.
  const [front, back] = listens(a) ? [a, b] : listens(b) ? [b, a] : [undefined, undefined];
  if (!front || !back) return unreadable('a listening address clawmoat does not model');
  const upstream = socatUpstream(back);
  if (!upstream) return unreadable(`where ${back.type} sends a connection is not something clawmoat follows`);
  const via = `socat ${words.join(' ')}`;
  if (UNIX_LISTEN_TYPES.has(front.type)) {
    // No client of a zone connects to it; a door in front of it that sends to this path does.
    const path = socatPath(front);
    if (!path) return unreadable(`${front.type} names no path`);
    const door: Door = { kind: 'socat', listenUnix: [{ path }], upstream, via, layer: 'tcp', forwardedFor: 'none', auth: [] };
    if (pid !== undefined) door.pid = pid;
    return door;
  }
  const port = Number(front.params[0]);
  if (!Number.isInteger(port)) return unreadable(`${front.type} names no port`);
  const family = LISTEN_TYPES[front.type] ?? (v6 || front.options.get('pf') === 'ip6' ? 6 : 4);
  const bind = front.options.get('bind');
  const address = bind ? bind.replace(/^\[|\]$/g, '') : family === 6 ? '::' : '0.0.0.0';
  const door: Door = { kind: 'socat', listen: [{ address, port }], upstream, via, layer: 'tcp', forwardedFor: 'none', auth: [] };
  const range = front.options.get('range');
  if (range) door.auth.push({ text: `range=${range} (socat admits only clients from ${range})` });
  if (pid !== undefined) door.pid = pid;
  return door;
}

// ------------------------------------------------------------------------------------------------
// ssh and autossh

/** ssh(1) options that take an argument (the rest are flags). */
const SSH_ARG_OPTIONS = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));

interface SshForward {
  kind: 'L' | 'R';
  bind?: string;
  port: number;
  host: string;
  hostPort: number;
  text: string;
}

function sshForward(kind: 'L' | 'R', spec: string): SshForward | undefined {
  // [bind_address:]port:host:hostport, with [v6] in brackets; also "port host:hostport" (LocalForward).
  const normal = spec.trim().replace(/\s+/, ':');
  const parts: string[] = [];
  for (const m of normal.matchAll(/\[[^\]]*\]|[^:]+|(?<=:)(?=:)/g)) parts.push(m[0].replace(/^\[|\]$/g, ''));
  if (parts.length < 3 || parts.length > 4) return undefined;
  const [bind, port, host, hostPort] = parts.length === 4 ? parts : [undefined, ...parts];
  if (!/^\d+$/.test(port!) || !/^\d+$/.test(hostPort!)) return undefined;
  const f: SshForward = { kind, port: Number(port), host: host!, hostPort: Number(hostPort), text: `-${kind} ${spec}` };
  if (bind !== undefined) f.bind = bind;
  return f;
}

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1', 'ip6-localhost']);

/** `ssh … -L/-R …` or `autossh -M port … <ssh args>`: doors to this host. */
export function sshDoors(argv: readonly string[], pid?: number): Door[] {
  const name = programName(argv);
  const forwards: SshForward[] = [];
  let gatewayPorts = false;
  let destination: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (name === 'autossh' && (a === '-M' || a === '-f')) {
      if (a === '-M') i++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1 && destination === undefined) {
      // Flags can be bundled (-fNL 8080:…); the first option letter that takes an argument ends the bundle.
      for (let j = 1; j < a.length; j++) {
        const letter = a[j]!;
        if (letter === 'g') gatewayPorts = true;
        if (!SSH_ARG_OPTIONS.has(letter)) continue;
        const value = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
        if (value === undefined) break;
        if (letter === 'L' || letter === 'R') {
          const f = sshForward(letter, value);
          if (f) forwards.push(f);
        } else if (letter === 'o') {
          const m = /^(LocalForward|RemoteForward|GatewayPorts)[\s=]+(.+)$/i.exec(value);
          if (m && /^gatewayports$/i.test(m[1]!)) gatewayPorts = /^(yes|clientspecified)$/i.test(m[2]!.trim());
          else if (m) {
            const f = sshForward(/^local/i.test(m[1]!) ? 'L' : 'R', m[2]!);
            if (f) forwards.push(f);
          }
        }
        break;
      }
      continue;
    }
    if (destination === undefined) destination = a;
  }
  const host = (destination ?? '')
    .replace(/^ssh:\/\//, '')
    .replace(/^[^@]*@/, '')
    .replace(/:\d+$/, '');
  const doors: Door[] = [];
  for (const f of forwards) {
    if (f.kind === 'L') {
      // -L sends to host:hostport as seen from the ssh server: this host only when the server is this host.
      if (!LOCAL_NAMES.has(host)) continue;
      const address =
        f.bind === undefined
          ? gatewayPorts
            ? '0.0.0.0'
            : '127.0.0.1'
          : f.bind === '' || f.bind === '*'
            ? '0.0.0.0'
            : f.bind === 'localhost'
              ? '127.0.0.1'
              : f.bind;
      const door: Door = {
        kind: 'ssh',
        listen: [{ address, port: f.port }],
        upstream: { host: f.host, port: f.hostPort },
        via: `${name} ${f.text} ${destination}`,
        layer: 'tcp',
        forwardedFor: 'none',
        auth: [],
      };
      if (pid !== undefined) door.pid = pid;
      doors.push(door);
    } else {
      // -R: the listener is on the ssh server, sending back to host:hostport as seen from here.
      const wide = f.bind !== undefined && f.bind !== 'localhost' && f.bind !== '127.0.0.1' && f.bind !== '::1';
      const door: Door = {
        kind: 'ssh',
        remote: {
          url: `tcp://${host}:${f.port}`,
          port: f.port,
          audience: 'internet',
          gate: wide
            ? `the sshd on ${host} decides whether ${f.bind || '*'}:${f.port} is bound beyond its loopback (GatewayPorts clientspecified or yes); its config is not on this host`
            : `the sshd on ${host} binds :${f.port} to its own loopback unless its GatewayPorts is yes; its config is not on this host`,
        },
        upstream: { host: f.host, port: f.hostPort },
        via: `${name} ${f.text} ${destination}`,
        layer: 'tcp',
        forwardedFor: 'none',
        auth: [],
      };
      if (pid !== undefined) door.pid = pid;
      doors.push(door);
    }
  }
  return doors;
}

// ------------------------------------------------------------------------------------------------
// kubectl port-forward

/** `kubectl port-forward [--address a,b] TYPE/NAME [LOCAL:]REMOTE…`: a listener here, the pod's loopback behind it. */
export function kubectlDoors(argv: readonly string[], pid?: number): Door[] {
  const i = argv.indexOf('port-forward');
  if (i < 0) return [];
  let addresses = ['127.0.0.1', '::1'];
  const positional: string[] = [];
  for (let j = i + 1; j < argv.length; j++) {
    const a = argv[j]!;
    if (a === '--address') {
      addresses = (argv[++j] ?? '').split(',');
      continue;
    }
    if (a.startsWith('--address=')) {
      addresses = a.slice(10).split(',');
      continue;
    }
    if (/^(-n|--namespace|--context|--kubeconfig|--pod-running-timeout|-c|--container)$/.test(a)) {
      j++;
      continue;
    }
    if (a.startsWith('-')) continue;
    positional.push(a);
  }
  const [target, ...ports] = positional;
  if (!target) return [];
  const listen = addresses.map((a) => (a === 'localhost' ? '127.0.0.1' : a)).filter(Boolean);
  return ports.flatMap((p) => {
    const hp = splitHostPort(p.replace(/^:/, '0:'));
    const remote = Number(p.split(':').pop());
    if (!hp || !Number.isInteger(remote)) return [];
    const local = p.includes(':') ? Number(p.split(':')[0]) || remote : remote;
    const door: Door = {
      kind: 'kubectl',
      listen: listen.map((address) => ({ address, port: local })),
      upstream: { host: `pod ${target}`, port: remote },
      via: `kubectl port-forward ${listen.join(',') === '127.0.0.1,::1' ? '' : `--address ${listen.join(',')} `}${target} ${p}`,
      layer: 'tcp',
      forwardedFor: 'none',
      auth: [],
    };
    if (pid !== undefined) door.pid = pid;
    return [door];
  });
}
