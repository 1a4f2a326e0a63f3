import { describe, expect, it } from 'vitest';
import { flattenEnv, flattenFile, flattenFlags, TraefikConfigError } from '../../../src/collect/doors/traefik-config.js';
import { entryPointAddress, traefikDoors, traefikStatic, traefikStaticCandidates } from '../../../src/collect/doors/traefik.js';
import { doorKindOf } from '../../../src/collect/doors/index.js';
import { buildContext } from '../../../src/model/context.js';
import { CHECKS } from '../../../src/checks/catalogue.js';
import { runChecks } from '../../../src/checks/run.js';
import { baselineSnapshot, compose, tcpListener, withContainers, withDoors, withGatewayProcess, withSockets } from '../../fixtures/builders/snapshot.js';
import type { DockerContainer, Door, DoorProblem } from '../../../src/snapshot/types.js';

/**
 * Traefik, from its documented formats (reference/doors.md §1.5; doc.traefik.io "Static
 * configuration" / "File provider" / "Docker provider"). Traefik is not a Debian package and
 * does not run here: these fixtures are its only test, down to the check's verdict.
 */

const STATIC_YAML = `entryPoints:
  web:
    address: ":80"
  websecure:
    address: ":443"
    http:
      tls: {}
  admin:
    address: "127.0.0.1:9000"

providers:
  file:
    filename: /etc/traefik/dynamic.yml
  docker:
    exposedByDefault: false
`;

const DYNAMIC_YAML = `http:
  routers:
    openclaw:
      rule: "Host(\`claw.example.com\`)"
      entryPoints:
        - websecure
      service: openclaw
    panel:
      rule: "Host(\`panel.example.com\`)"
      entryPoints: [admin]
      middlewares: [auth]
      service: openclaw
  middlewares:
    auth:
      basicAuth:
        users:
          - "admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"
  services:
    openclaw:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:18789"
`;

const STATIC_TOML = `[entryPoints]
  [entryPoints.web]
    address = ":8080"
    [entryPoints.web.forwardedHeaders]
      trustedIPs = ["10.0.0.0/8"]

[providers.file]
  directory = "/etc/traefik/conf.d"
`;

const DYNAMIC_TOML = `[http.routers.gw]
  rule = "PathPrefix(\`/\`)"
  service = "gw"

[[http.services.gw.loadBalancer.servers]]
  url = "http://localhost:18789/"

[tcp.routers.raw]
  entryPoints = ["web"]
  rule = "HostSNI(\`*\`)"
  service = "raw"

[[tcp.services.raw.loadBalancer.servers]]
  address = "127.0.0.1:18789"
`;

function container(c: Partial<DockerContainer>): DockerContainer {
  return {
    id: 'a'.repeat(64),
    name: 'openclaw',
    image: 'ghcr.io/openclaw/openclaw:latest',
    state: 'running',
    networkMode: 'proxy',
    ports: [],
    networks: [{ name: 'proxy', ipAddress: '172.18.0.5' }],
    mounts: [],
    labels: {},
    command: [],
    env: [],
    ...c,
  };
}

describe('Traefik static configuration', () => {
  it('is a door process, but not `traefik version`', () => {
    expect(doorKindOf(['/usr/local/bin/traefik', '--configFile=/etc/traefik/traefik.yml'])).toBe('traefik');
    expect(doorKindOf(['traefik', 'version'])).toBeUndefined();
  });

  it('looks for its file where Traefik does: --configFile first, then /etc/traefik, XDG, ~/.config, the working directory', () => {
    const c = traefikStaticCandidates(['traefik', '--configfile', 'conf/t.yml'], '/srv', { home: '/home/t' });
    expect(c[0]).toBe('/srv/conf/t.yml');
    expect(c.slice(1, 4)).toEqual(['/etc/traefik/traefik.toml', '/etc/traefik/traefik.yaml', '/etc/traefik/traefik.yml']);
    expect(c).toContain('/home/t/.config/traefik.yml');
    expect(c.at(-1)).toBe('/srv/traefik.yml');
  });

  it('entry points from a YAML file, with their lines; ":443" is every address', () => {
    const { config } = traefikStatic(flattenFile(STATIC_YAML, '/etc/traefik/traefik.yml'), '/etc/traefik/traefik.yml');
    expect(config.entryPoints.map((e) => [e.name, e.listen])).toEqual([
      ['web', { address: '::', port: 80, location: { file: '/etc/traefik/traefik.yml', line: 3 } }],
      ['websecure', { address: '::', port: 443, location: { file: '/etc/traefik/traefik.yml', line: 5 } }],
      ['admin', { address: '127.0.0.1', port: 9000, location: { file: '/etc/traefik/traefik.yml', line: 9 } }],
    ]);
    expect(config.entryPoints[1]!.tls).toBe(true);
    expect(config.file?.filename?.value).toBe('/etc/traefik/dynamic.yml');
    expect(config.docker).toEqual({ exposedByDefault: false });
  });

  it('entry points from TOML (lines found by key), from flags and from TRAEFIK_* variables', () => {
    const { config } = traefikStatic(flattenFile(STATIC_TOML, '/etc/traefik/traefik.toml'), 'x');
    expect(config.entryPoints[0]).toMatchObject({ name: 'web', listen: { address: '::', port: 8080, location: { line: 3 } }, xff: 'append' });
    expect(config.file?.directory?.value).toBe('/etc/traefik/conf.d');
    const flags = traefikStatic(flattenFlags(['traefik', '--entrypoints.web.address=:443', '--providers.docker=true', '--api.insecure']), 'flags').config;
    expect(flags.entryPoints.map((e) => e.listen)).toEqual([{ address: '::', port: 443 }]);
    expect(flags.docker).toEqual({ exposedByDefault: true });
    expect(traefikStatic(flattenFlags(['traefik', '--providers.docker.endpoint=tcp://10.0.0.5:2375']), 'flags').config.docker).toEqual({
      exposedByDefault: true,
      endpoint: 'tcp://10.0.0.5:2375',
    });
    const env = traefikStatic(flattenEnv({ TRAEFIK_ENTRYPOINTS_WEB_ADDRESS: '0.0.0.0:8000', PATH: '/bin' }), 'env').config;
    expect(env.entryPoints.map((e) => e.listen)).toEqual([{ address: '0.0.0.0', port: 8000 }]);
  });

  it('no entry point means :80; UDP entry points are not doors; other providers are named as unread', () => {
    expect(traefikStatic(new Map(), 'x').config.entryPoints.map((e) => e.listen)).toEqual([{ address: '::', port: 80 }]);
    expect(entryPointAddress(':53/udp')).toBeUndefined();
    expect(entryPointAddress('[::1]:8443/tcp')).toEqual({ address: '::1', port: 8443 });
    expect(traefikStatic(flattenFlags(['traefik', '--providers.kubernetescrd']), 'x').config.unread).toEqual(['kubernetescrd']);
  });

  it('a file that does not parse names its line', () => {
    expect(() => flattenFile('entryPoints:\n  web:\n    address: ":80\n  bad: [', '/etc/traefik/traefik.yml')).toThrow(TraefikConfigError);
    try {
      flattenFile('[entryPoints.web]\naddress = \n', '/etc/traefik/traefik.toml');
    } catch (error) {
      expect(error).toBeInstanceOf(TraefikConfigError);
      expect((error as TraefikConfigError).line).toBe(2);
    }
  });
});

describe('Traefik routes', () => {
  it('file provider (YAML): router → service → server URL, with the URL line, the entry point and its auth', () => {
    const { config } = traefikStatic(flattenFile(STATIC_YAML, '/etc/traefik/traefik.yml'), '/etc/traefik/traefik.yml');
    const { doors, problems } = traefikDoors(config, flattenFile(DYNAMIC_YAML, '/etc/traefik/dynamic.yml'), [], 40);
    expect(problems).toEqual([]);
    expect(doors).toEqual([
      {
        kind: 'traefik',
        pid: 40,
        listen: [{ address: '::', port: 443, location: { file: '/etc/traefik/traefik.yml', line: 5 } }],
        upstream: { host: '127.0.0.1', port: 18789 },
        via: 'router openclaw → service openclaw → http://127.0.0.1:18789',
        location: { file: '/etc/traefik/dynamic.yml', line: 22 },
        layer: 'http',
        forwardedFor: 'overwrite',
        auth: [],
        serverNames: ['claw.example.com'],
        tls: true,
      },
      expect.objectContaining({
        listen: [{ address: '127.0.0.1', port: 9000, location: { file: '/etc/traefik/traefik.yml', line: 9 } }],
        auth: [{ text: 'middleware auth (basicAuth)', location: { file: '/etc/traefik/dynamic.yml', line: 17 } }],
      }),
    ]);
  });

  it('file provider (TOML): a router with no entryPoints takes them all; a TCP router is headerless; trustedIPs appends', () => {
    const { config } = traefikStatic(flattenFile(STATIC_TOML, '/etc/traefik/traefik.toml'), 'x');
    const { doors } = traefikDoors(config, flattenFile(DYNAMIC_TOML, '/etc/traefik/conf.d/gw.toml'), undefined, 41);
    expect(doors.map((d) => [d.layer, d.upstream, d.forwardedFor, d.location?.line])).toEqual([
      ['http', { host: 'localhost', port: 18789 }, 'append', 6],
      ['tcp', { host: '127.0.0.1', port: 18789 }, 'none', 14],
    ]);
    expect(doors[0]!.forwardedForLocation).toEqual({ file: '/etc/traefik/traefik.toml', line: 5 });
  });

  it('a service it cannot follow, or a server it cannot read, is a problem naming it', () => {
    const { config } = traefikStatic(new Map(), 'x');
    const weighted = flattenFile(
      'http:\n  routers:\n    r:\n      rule: "Host(`a`)"\n      service: w\n  services:\n    w:\n      weighted:\n        services: []\n',
      '/d.yml',
    );
    expect(traefikDoors(config, weighted, undefined, 1).problems[0]?.detail).toMatch(/router r: service w is not a loadBalancer/);
    const bad = flattenFile(
      'http:\n  routers:\n    r:\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: "not a url"\n',
      '/d.yml',
    );
    expect(traefikDoors(config, bad, undefined, 1).problems[0]?.detail).toMatch(/"not a url".*\/d\.yml:9/);
    const elsewhere = flattenFile('http:\n  routers:\n    r:\n      service: s@kubernetescrd\n', '/d.yml');
    expect(traefikDoors(config, elsewhere, undefined, 1).problems[0]?.detail).toMatch(/provider clawmoat does not read/);
    const internal = flattenFile('http:\n  routers:\n    d:\n      service: api@internal\n', '/d.yml');
    expect(traefikDoors(config, internal, undefined, 1)).toEqual({ doors: [], problems: [] });
  });

  it('Docker labels: the container address on its network and the label port; exposedByDefault decides unlabelled containers', () => {
    const flags = traefikStatic(flattenFlags(['traefik', '--entrypoints.websecure.address=:443', '--providers.docker']), 'flags').config;
    const gateway = container({
      labels: {
        'traefik.enable': 'true',
        'traefik.http.routers.claw.rule': 'Host(`claw.example.com`)',
        'traefik.http.routers.claw.entrypoints': 'websecure',
        'traefik.http.services.claw.loadbalancer.server.port': '18789',
      },
    });
    const other = container({
      name: 'web',
      networks: [{ name: 'proxy', ipAddress: '172.18.0.9' }],
      ports: [{ containerPort: 8080, protocol: 'tcp', hostIp: '', hostPort: '8080' }],
    });
    const stopped = container({ name: 'old', state: 'exited' });
    const { doors, problems } = traefikDoors(flags, undefined, [gateway, other, stopped], 50);
    expect(problems).toEqual([]);
    expect(doors).toEqual([
      expect.objectContaining({
        container: 'openclaw',
        listen: [{ address: '::', port: 443 }],
        upstream: { host: '172.18.0.5', port: 18789 },
        via: 'router claw → service claw → label traefik.http.services.claw.loadbalancer.server.port=18789 on container openclaw',
        serverNames: ['claw.example.com'],
      }),
      // exposedByDefault (true unless said): the unlabelled container gets a router named after it, to its lowest published port.
      expect.objectContaining({ container: 'web', upstream: { host: '172.18.0.9', port: 8080 } }),
    ]);
    const optIn = traefikStatic(flattenFlags(['traefik', '--providers.docker.exposedbydefault=false']), 'flags').config;
    expect(traefikDoors(optIn, undefined, [other], 50).doors).toEqual([]);
    // No port label and nothing published: the port Traefik picks is not known.
    expect(traefikDoors(flags, undefined, [container({ labels: { 'traefik.enable': 'true' } })], 50).problems[0]?.detail).toMatch(
      /port Traefik picks is not known/,
    );
  });
});

describe('Traefik doors in the model and the check', () => {
  const LOOPBACK_GATEWAY = compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8)));
  const exposure = CHECKS.find((c) => c.meta.id === 'exposure.internet')!;
  const run = (
    doors: Door[],
    problems: DoorProblem[] = [],
    ...patches: ((s: ReturnType<typeof baselineSnapshot>) => ReturnType<typeof baselineSnapshot>)[]
  ) => {
    const snapshot = compose(LOOPBACK_GATEWAY, withSockets(tcpListener('::', 443, 40, 'traefik')), withDoors(doors, problems), ...patches)(baselineSnapshot());
    const { checks, findings } = runChecks(buildContext(snapshot), [exposure]);
    return { status: checks[0]!.result, findings };
  };

  it('a loopback gateway behind Traefik on :443 fails exposure.internet, naming the router and its file:line', () => {
    const { config } = traefikStatic(flattenFile(STATIC_YAML, '/etc/traefik/traefik.yml'), '/etc/traefik/traefik.yml');
    const result = run(traefikDoors(config, flattenFile(DYNAMIC_YAML, '/etc/traefik/dynamic.yml'), [], 40).doors);
    expect(result.status).toBe('fail');
    expect(JSON.stringify(result.findings)).toContain('router openclaw → service openclaw → http://127.0.0.1:18789 (/etc/traefik/dynamic.yml:22)');
  });

  it('a gateway container behind Traefik Docker labels fails too; a Traefik config it could not read is unknown', () => {
    const flags = traefikStatic(flattenFlags(['traefik', '--entrypoints.websecure.address=:443', '--providers.docker']), 'flags').config;
    const gateway = container({ labels: { 'traefik.http.services.claw.loadbalancer.server.port': '18789' } });
    const result = run(traefikDoors(flags, undefined, [gateway], 40).doors, [], withContainers(gateway));
    expect(result.status).toBe('fail');
    expect(JSON.stringify(result.findings)).toContain("the gateway's port in container openclaw");
    const unread = run(
      [],
      [{ kind: 'traefik', pid: 40, source: '/etc/traefik/traefik.yml', line: 3, detail: 'traefik (pid 40): /etc/traefik/traefik.yml does not parse' }],
    );
    expect(unread.status).toBe('unknown');
  });
});
