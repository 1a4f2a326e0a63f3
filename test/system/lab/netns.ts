import { randomBytes } from 'node:crypto';
import { binary, labPath } from '../../support/binaries.js';
import { hold, release, removeSync, type Resource, type Scope } from './cleanup.js';
import { run, type RunOptions, type RunResult } from './proc.js';

/**
 * A network namespace standing for one host. Names carry a random suffix so parallel
 * runs and leftovers of a crashed run never collide; the namespace is removed by the
 * scope that made it, or by the crash handlers in cleanup.ts.
 */
export class Netns {
  private constructor(
    readonly name: string,
    private readonly resource: Resource,
  ) {}

  static async create(scope: Scope, role: string): Promise<Netns> {
    const name = `cm-${role}-${randomBytes(3).toString('hex')}`;
    const resource: Resource = { kind: 'netns', name };
    // Recorded first: if `ip netns add` half-succeeds, cleanup still finds the name.
    hold(resource);
    const ns = new Netns(name, resource);
    scope.defer(`netns ${name}`, () => ns.destroy());
    await run(binary('ip'), ['netns', 'add', name]);
    await ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** The bind-mounted namespace file, for `nsenter --net=`. */
  get path(): string {
    return `/run/netns/${this.name}`;
  }

  /** `ip -n NAME …`: configure the namespace without entering it. */
  ip(...args: string[]): Promise<RunResult> {
    return run(binary('ip'), ['-n', this.name, ...args]);
  }

  /** The argv that runs `command` inside this namespace. */
  argv(command: string, args: string[]): [string, string[]] {
    return [binary('ip'), ['netns', 'exec', this.name, command, ...args]];
  }

  exec(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
    const [cmd, argv] = this.argv(command, args);
    return run(cmd, argv, { ...options, env: options.env ?? { ...process.env, PATH: labPath() } });
  }

  async destroy(): Promise<void> {
    removeSync(this.resource);
    release(this.resource);
  }
}

export interface LinkEnd {
  ns: Netns;
  ifname: string;
  /** Address with prefix, e.g. 198.51.100.1/24. */
  cidr: string;
}

/** A veth pair created directly inside the two namespaces: nothing appears in the host's own namespace. */
export async function link(a: LinkEnd, b: LinkEnd): Promise<void> {
  await run(binary('ip'), ['link', 'add', a.ifname, 'netns', a.ns.name, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns.name]);
  for (const end of [a, b]) {
    await end.ns.ip('addr', 'add', end.cidr, 'dev', end.ifname);
    await end.ns.ip('link', 'set', end.ifname, 'up');
  }
}

export interface Wan {
  /** The host under test. */
  gw: Netns;
  /** A client on the "internet". */
  client: Netns;
  gwAddress: string;
  clientAddress: string;
}

/**
 * The host under test and an internet client, on a documentation range (RFC 5737).
 * The host's default route points at the client, so its eth0 is its internet-facing
 * interface the way it is on a VPS.
 */
export async function wan(scope: Scope): Promise<Wan> {
  const gw = await Netns.create(scope, 'gw');
  const client = await Netns.create(scope, 'inet');
  const gwAddress = '198.51.100.1';
  const clientAddress = '198.51.100.2';
  await link({ ns: gw, ifname: 'eth0', cidr: `${gwAddress}/24` }, { ns: client, ifname: 'eth0', cidr: `${clientAddress}/24` });
  await gw.ip('route', 'add', 'default', 'via', clientAddress);
  return { gw, client, gwAddress, clientAddress };
}
