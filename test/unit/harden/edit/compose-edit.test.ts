import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  joinDedicatedNetwork,
  publishOnLoopback,
  removeDockerSocketMounts,
  removeHostNetwork,
  removePublishedPorts,
} from '../../../../src/harden/edit/compose-edit.js';
import { EditError } from '../../../../src/harden/edit/errors.js';
import { crlf, expectChanges, expectCommentsKept, fixture } from './helpers.js';

type Obj = Record<string, unknown>;

function read(text: string): Obj {
  return parse(text, { merge: true }) as Obj;
}

function service(text: string, name: string): Obj {
  return (read(text)['services'] as Record<string, Obj>)[name]!;
}

function editError(fn: () => unknown): EditError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EditError) return e;
    throw e;
  }
  throw new Error('expected an EditError');
}

const ANNOTATED = fixture('docker-compose.annotated.yml');
const INDENT4 = fixture('docker-compose.networks.yml');
const GW = 'openclaw-gateway';
const ALL = [18789, 18790, 18791];

describe.each([
  ['LF', ANNOTATED],
  ['CRLF', crlf(ANNOTATED)],
])('the annotated compose file (%s)', (endings, before) => {
  /** Every edit keeps the comments, the other services and the line endings, and repeating it changes nothing. */
  function check(after: string, edit: (text: string) => string): void {
    expectCommentsKept(before, after, 'yaml');
    expect(service(after, 'openclaw-cli')).toEqual(service(before, 'openclaw-cli'));
    if (endings === 'CRLF') expect(after.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(edit(after)).toBe(after);
  }

  it('publishes the gateway ports on 127.0.0.1, keeping quotes and ${VAR:-default}', () => {
    const edit = (t: string): string => publishOnLoopback(t, GW, ALL);
    const after = edit(before);
    expectChanges(
      before,
      after,
      ['      - "${OPENCLAW_GATEWAY_PORT:-18789}:18789"', "      - '${OPENCLAW_BRIDGE_PORT:-18790}:18790'"],
      ['      - "127.0.0.1:${OPENCLAW_GATEWAY_PORT:-18789}:18789"', "      - '127.0.0.1:${OPENCLAW_BRIDGE_PORT:-18790}:18790'", '        host_ip: 127.0.0.1'],
    );
    expect(service(after, GW)['ports']).toEqual([
      '127.0.0.1:${OPENCLAW_GATEWAY_PORT:-18789}:18789',
      '127.0.0.1:${OPENCLAW_BRIDGE_PORT:-18790}:18790',
      { target: 18791, published: '18791', protocol: 'tcp', host_ip: '127.0.0.1' },
    ]);
    check(after, edit);
  });

  it('touches only the ports asked for', () => {
    const after = publishOnLoopback(before, GW, [18790]);
    expectChanges(before, after, ["      - '${OPENCLAW_BRIDGE_PORT:-18790}:18790'"], ["      - '127.0.0.1:${OPENCLAW_BRIDGE_PORT:-18790}:18790'"]);
  });

  it('--no-publish: removes the entries; an emptied list becomes "ports: []" and its comment lines stay', () => {
    const edit = (t: string): string => removePublishedPorts(t, GW, ALL);
    const after = edit(before);
    expectChanges(
      before,
      after,
      [
        '    ports:',
        '      - "${OPENCLAW_GATEWAY_PORT:-18789}:18789"',
        "      - '${OPENCLAW_BRIDGE_PORT:-18790}:18790'",
        '      - target: 18791 # browser control',
        '        published: "18791"',
        '        protocol: tcp',
      ],
      ['    ports: []'],
    );
    expect(service(after, GW)['ports']).toEqual([]);
    check(after, edit);
  });

  it('--no-publish for one port removes one entry', () => {
    const after = removePublishedPorts(before, GW, [18789]);
    expectChanges(before, after, ['      - "${OPENCLAW_GATEWAY_PORT:-18789}:18789"'], []);
    expect(after).toContain('      # Control UI + WebSocket.');
  });

  it('removes the Docker socket mount written with a variable (short syntax)', () => {
    const edit = (t: string): string => removeDockerSocketMounts(t, GW);
    const after = edit(before);
    expectChanges(before, after, ['      - ${OPENCLAW_DOCKER_SOCKET:-/var/run/docker.sock}:/var/run/docker.sock'], []);
    expect(service(after, GW)['volumes']).toEqual(['${OPENCLAW_CONFIG_DIR}:/home/node/.openclaw', '${OPENCLAW_WORKSPACE_DIR}:/home/node/.openclaw/workspace']);
    check(after, edit);
  });

  it('removes the Docker socket mount written in long syntax (/run/docker.sock)', () => {
    const edit = (t: string): string => removeDockerSocketMounts(t, 'openclaw-canary');
    const after = edit(before);
    expectChanges(
      before,
      after,
      ['      - type: bind', '        source: /run/docker.sock', '        target: /var/run/docker.sock', '        read_only: true'],
      [],
    );
    expect(service(after, 'openclaw-canary')['volumes']).toEqual([{ type: 'volume', source: 'canary-state', target: '/home/node/.openclaw' }]);
    check(after, edit);
  });

  it('removes network_mode: host with its comment', () => {
    const edit = (t: string): string => removeHostNetwork(t, 'openclaw-canary');
    const after = edit(before);
    expectChanges(before, after, ['    network_mode: host # quick hack, remove later'], []);
    expect(service(after, 'openclaw-canary')['network_mode']).toBeUndefined();
    check(after, edit);
  });

  it('leaves any other network mode alone', () => {
    expect(removeHostNetwork(before, 'openclaw-cli')).toBe(before);
    expect(removeHostNetwork(before, GW)).toBe(before);
  });

  it('puts the gateway on openclaw-net, declared at the end of the file after a blank line like the other sections', () => {
    const edit = (t: string): string => joinDedicatedNetwork(t, GW);
    const after = edit(before);
    expectChanges(before, after, [], ['    networks:', '      - openclaw-net', '', 'networks:', '  openclaw-net:', '    driver: bridge']);
    expect(service(after, GW)['networks']).toEqual(['openclaw-net']);
    expect(read(after)['networks']).toEqual({ 'openclaw-net': { driver: 'bridge' } });
    check(after, edit);
  });

  it('moves a host-network service to openclaw-net: network_mode goes, networks comes', () => {
    const after = joinDedicatedNetwork(before, 'openclaw-canary');
    expectChanges(
      before,
      after,
      ['    network_mode: host # quick hack, remove later'],
      ['    networks:', '      - openclaw-net', '', 'networks:', '  openclaw-net:', '    driver: bridge'],
    );
    const canary = service(after, 'openclaw-canary');
    expect(canary['network_mode']).toBeUndefined();
    expect(canary['networks']).toEqual(['openclaw-net']);
  });

  it("refuses a service that shares another's network namespace, naming the line", () => {
    const e = editError(() => joinDedicatedNetwork(before, 'openclaw-cli'));
    expect(e.code).toBe('unsupported');
    expect(e.line).toBe(46);
  });

  it('all edits together keep every comment and the anchors', () => {
    let after = publishOnLoopback(before, GW, ALL);
    after = removeDockerSocketMounts(after, GW);
    after = joinDedicatedNetwork(after, GW);
    after = removeDockerSocketMounts(after, 'openclaw-canary');
    after = joinDedicatedNetwork(after, 'openclaw-canary');
    expectCommentsKept(before, after, 'yaml');
    expect(after).toContain('x-common: &common\n'.replace(/\n/g, endings === 'CRLF' ? '\r\n' : '\n'));
    expect(after.split('<<: *common').length).toBe(3);
    const gw = service(after, GW);
    expect(gw['restart']).toBe('unless-stopped');
    expect(gw['environment']).toEqual({ HOME: '/home/node', TERM: 'xterm-256color', OPENCLAW_GATEWAY_TOKEN: '${OPENCLAW_GATEWAY_TOKEN}' });
  });
});

describe('a file indented by four, lists flush with their keys', () => {
  it('rewrites each short form: plain, bracketed IPv6 with a protocol, container-only', () => {
    const after = publishOnLoopback(INDENT4, 'gateway', [18789, 18790, 18791, 18792]);
    expectChanges(
      INDENT4,
      after,
      ['        - 18789:18789     # plain, unquoted', '        - "[::]:18791:18791/tcp"', '        - 18792'],
      ['        - 127.0.0.1:18789:18789     # plain, unquoted', '        - "127.0.0.1:18791:18791/tcp"', '        - "127.0.0.1::18792"'],
    );
    expect(service(after, 'gateway')['ports']).toEqual(['127.0.0.1:18789:18789', '127.0.0.1:18790:18790', '127.0.0.1:18791:18791/tcp', '127.0.0.1::18792']);
  });

  it('--no-publish keeps the entry already on loopback', () => {
    const after = removePublishedPorts(INDENT4, 'gateway', [18789, 18790, 18791, 18792]);
    expect(service(after, 'gateway')['ports']).toEqual(['127.0.0.1:18790:18790']);
  });

  it("adds openclaw-net beside the networks already listed, in the file's indentation", () => {
    const after = joinDedicatedNetwork(INDENT4, 'gateway');
    expectChanges(INDENT4, after, [], ['        - openclaw-net', '    openclaw-net:', '        driver: bridge']);
    expect(service(after, 'gateway')['networks']).toEqual(['default', 'openclaw-net']);
    expect(read(after)['networks']).toEqual({ edge: { external: true }, 'openclaw-net': { driver: 'bridge' } });
  });

  it('leaves a service already on a network the user declared', () => {
    expect(joinDedicatedNetwork(INDENT4, 'proxy')).toBe(INDENT4);
  });

  it('adds a service "networks:" in the file\'s list style', () => {
    const text = 'services:\n    gw:\n        image: x\n        ports:\n        - 1:1\n';
    expect(joinDedicatedNetwork(text, 'gw')).toBe(
      'services:\n    gw:\n        image: x\n        ports:\n        - 1:1\n        networks:\n        - openclaw-net\nnetworks:\n    openclaw-net:\n        driver: bridge\n',
    );
  });
});

describe('smaller shapes', () => {
  const svc = (body: string, tail = ''): string => `services:\n  gw:\n    image: openclaw:local\n${body}${tail}`;

  it.each([
    ['flow list', '    ports: ["18789:18789", "127.0.0.1:18790:18790"] # both\n', '    ports: ["127.0.0.1:18789:18789", "127.0.0.1:18790:18790"] # both\n'],
    [
      'flow long syntax',
      '    ports:\n      - { target: 18789, published: 18789 }\n',
      '    ports:\n      - { target: 18789, published: 18789, host_ip: 127.0.0.1 }\n',
    ],
    [
      'host_ip on every address',
      '    ports:\n      - target: 18789\n        host_ip: 0.0.0.0 # all\n',
      '    ports:\n      - target: 18789\n        host_ip: 127.0.0.1 # all\n',
    ],
    [
      'host_ip quoted',
      '    ports:\n      - target: "18789"\n        host_ip: \'::\'\n',
      '    ports:\n      - target: "18789"\n        host_ip: \'127.0.0.1\'\n',
    ],
    ['IP from a variable', '    ports:\n      - "${BIND_IP:-0.0.0.0}:18789:18789"\n', '    ports:\n      - "127.0.0.1:18789:18789"\n'],
    ['a port range', '    ports:\n      - 18789-18790:18789-18790\n', '    ports:\n      - 127.0.0.1:18789-18790:18789-18790\n'],
    ['a number', '    ports:\n      - 18789\n', '    ports:\n      - "127.0.0.1::18789"\n'],
    [
      'already loopback',
      '    ports:\n      - "127.0.0.1:18789:18789"\n      - "[::1]:18789:18789"\n',
      '    ports:\n      - "127.0.0.1:18789:18789"\n      - "[::1]:18789:18789"\n',
    ],
    ['another container port', '    ports:\n      - "8080:80"\n', '    ports:\n      - "8080:80"\n'],
    ['no ports', '    restart: always\n', '    restart: always\n'],
  ])('publishOnLoopback: %s', (_, body, expected) => {
    expect(publishOnLoopback(svc(body), 'gw', [18789])).toBe(svc(expected));
  });

  it.each([
    ['flow list', '    ports: ["18789:18789", "8080:80"]\n', '    ports: ["8080:80"]\n'],
    ['flow list emptied', '    ports: [18789:18789]\n', '    ports: []\n'],
    ['first of two', '    ports:\n      # ui\n      - 18789:18789 # ui\n      - 8080:80\n', '    ports:\n      # ui\n      - 8080:80\n'],
  ])('removePublishedPorts: %s', (_, body, expected) => {
    expect(removePublishedPorts(svc(body), 'gw', [18789])).toBe(svc(expected));
  });

  it.each([
    [
      'read-only, /var/run',
      '    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n      - ./data:/data\n',
      '    volumes:\n      - ./data:/data\n',
    ],
    ['only the target tells', '    volumes:\n      - ${SOCK}:/var/run/docker.sock\n', '    volumes: []\n'],
    [
      'rootless socket, long syntax',
      '    volumes:\n      - type: bind\n        source: /run/user/1000/docker.sock\n        target: /docker.sock\n',
      '    volumes: []\n',
    ],
    ['podman', '    volumes: ["/run/podman/podman.sock:/var/run/docker.sock", "x:/x"]\n', '    volumes: ["x:/x"]\n'],
    [
      'no socket',
      '    volumes:\n      - /var/run:/host-run\n      - sockets:/var/run/sockets\n',
      '    volumes:\n      - /var/run:/host-run\n      - sockets:/var/run/sockets\n',
    ],
  ])('removeDockerSocketMounts: %s', (_, body, expected) => {
    expect(removeDockerSocketMounts(svc(body), 'gw')).toBe(svc(expected));
  });

  it.each([
    ['network_mode: bridge', '    network_mode: bridge\n', '', '    networks:\n      - openclaw-net\nnetworks:\n  openclaw-net:\n    driver: bridge\n'],
    [
      'network_mode from a variable',
      '    network_mode: ${NET:-host}\n',
      '',
      '    networks:\n      - openclaw-net\nnetworks:\n  openclaw-net:\n    driver: bridge\n',
    ],
    [
      'networks as a mapping',
      '    networks:\n      default:\n        aliases: [gw]\n',
      '',
      '    networks:\n      default:\n        aliases: [gw]\n      openclaw-net: {}\nnetworks:\n  openclaw-net:\n    driver: bridge\n',
    ],
    ['empty networks keys', '    networks:\n', 'networks:\n', '    networks:\n      - openclaw-net\nnetworks:\n  openclaw-net:\n    driver: bridge\n'],
    ['flow networks', '    networks: [default]\n', 'networks: {}\n', '    networks: [default, openclaw-net]\nnetworks: { openclaw-net: { driver: bridge } }\n'],
    [
      'openclaw-net declared already',
      '',
      'networks:\n  openclaw-net: # mine\n    internal: true\n',
      '    networks:\n      - openclaw-net\nnetworks:\n  openclaw-net: # mine\n    internal: true\n',
    ],
    [
      'no final newline',
      '    restart: always',
      '',
      '    restart: always\n    networks:\n      - openclaw-net\nnetworks:\n  openclaw-net:\n    driver: bridge\n',
    ],
  ])('joinDedicatedNetwork: %s', (_, body, tail, expected) => {
    const after = joinDedicatedNetwork(svc(body, tail), 'gw');
    expect(after).toBe(`services:\n  gw:\n    image: openclaw:local\n${expected}`);
    expect(joinDedicatedNetwork(after, 'gw')).toBe(after);
  });

  it('keeps a document marker and trailing comments', () => {
    const text = '---\n# top\nservices:\n  gw:\n    image: x\n    network_mode: host\n# the end\n';
    expect(joinDedicatedNetwork(text, 'gw')).toBe(
      '---\n# top\nservices:\n  gw:\n    image: x\n    networks:\n      - openclaw-net\n# the end\nnetworks:\n  openclaw-net:\n    driver: bridge\n',
    );
  });
});

describe('anchors and merges', () => {
  it('refuses to rewrite ports shared with another service through an alias', () => {
    const text = 'x-ports: &ports\n  - "18789:18789"\nservices:\n  gw:\n    ports: *ports\n';
    const e = editError(() => publishOnLoopback(text, 'gw', [18789]));
    expect(e.code).toBe('shared');
    expect(e.line).toBe(5);
  });

  it('refuses to rewrite a port item that another list repeats', () => {
    const text = 'services:\n  gw:\n    ports:\n      - &ui "18789:18789"\n  gw2:\n    ports:\n      - *ui\n';
    expect(editError(() => publishOnLoopback(text, 'gw', [18789])).code).toBe('shared');
    expect(editError(() => removePublishedPorts(text, 'gw2', [18789])).code).toBe('shared');
  });

  it('refuses a key inherited through <<:, naming where it is defined', () => {
    const text =
      'x-base: &base\n  network_mode: host\n  volumes:\n    - /var/run/docker.sock:/var/run/docker.sock\nservices:\n  gw:\n    <<: *base\n    image: x\n';
    const e = editError(() => removeHostNetwork(text, 'gw'));
    expect(e.code).toBe('shared');
    expect(e.message).toContain('line 2');
    expect(editError(() => removeDockerSocketMounts(text, 'gw')).code).toBe('shared');
  });

  it('returns a file that needs no change as it is, whatever it shares', () => {
    const text =
      'x-base: &base\n  network_mode: bridge\n  ports: ["8080:80", "127.0.0.1:18789:18789"]\nservices:\n  gw:\n    <<: *base\n  gw3: &gw3\n    ports: &ports ["127.0.0.1:18789:18789"]\n    networks: &nets [openclaw-net]\n  gw2:\n    ports: *ports\n  gw4:\n    <<: *gw3\nnetworks: { openclaw-net: {} }\n';
    for (const name of ['gw', 'gw2', 'gw3', 'gw4']) {
      expect(publishOnLoopback(text, name, [18789])).toBe(text);
      expect(removePublishedPorts(text, name, [18789])).toBe(text);
      expect(removeHostNetwork(text, name)).toBe(text);
      expect(removeDockerSocketMounts(text, name)).toBe(text);
    }
    expect(joinDedicatedNetwork(text, 'gw3')).toBe(text);
    expect(joinDedicatedNetwork(text, 'gw4')).toBe(text);
    expect(editError(() => joinDedicatedNetwork(text, 'gw')).code).toBe('shared');
  });

  it('keeps the anchor of a list it empties', () => {
    const text = 'services:\n  gw:\n    ports: &p # mine\n      - "18789:18789"\n';
    expect(removePublishedPorts(text, 'gw', [18789])).toBe('services:\n  gw:\n    ports: &p [] # mine\n');
  });

  it('edits an anchored item nobody repeats', () => {
    const text = 'services:\n  gw:\n    ports:\n      - &ui "18789:18789"\n';
    expect(publishOnLoopback(text, 'gw', [18789])).toBe('services:\n  gw:\n    ports:\n      - &ui "127.0.0.1:18789:18789"\n');
  });

  it('leaves aliases it does not need to change', () => {
    const text = 'x-p: &p "8080:80"\nservices:\n  gw:\n    ports:\n      - *p\n      - "18789:18789"\n';
    expect(publishOnLoopback(text, 'gw', [18789])).toBe('x-p: &p "8080:80"\nservices:\n  gw:\n    ports:\n      - *p\n      - "127.0.0.1:18789:18789"\n');
  });
});

describe('errors', () => {
  it.each([
    ['services:\n  gw:\n    image: x\n   ports: []\n', 4],
    // yaml reports an unclosed quote where the text runs out.
    ['services:\n  gw:\n    image: "x\n', 4],
    ['services:\n  gw:\n    image: x\n    image: y\n', 4],
    ['services:\n\tgw: {}\n', 2],
  ])('malformed YAML gives an EditError naming the line (%#)', (text, line) => {
    const e = editError(() => publishOnLoopback(text, 'gw', [18789]));
    expect(e.code).toBe('parse');
    expect(e.line).toBe(line);
    expect(e.message).toMatch(new RegExp(`^line ${line}:\\d+: not valid YAML`));
  });

  it('an unknown service', () => {
    const e = editError(() => removeHostNetwork('services:\n  gw:\n    image: x\n', 'other'));
    expect(e.code).toBe('no-service');
    expect(e.message).toContain('"other"');
  });

  it('a file without services', () => {
    expect(editError(() => removeHostNetwork('version: "3"\n', 'gw')).code).toBe('no-service');
    expect(editError(() => removeHostNetwork('- a\n', 'gw')).code).toBe('not-object');
  });
});

describe('ports lists made up at random (property)', () => {
  const hostIp = fc.constantFrom('', '0.0.0.0:', '127.0.0.1:', '[::]:', '[::1]:', '192.168.1.5:', '${IP:-0.0.0.0}:');
  const hostPort = fc.constantFrom('', '18789:', '${PORT:-18789}:', '8080:', '0:');
  const container = fc.constantFrom('18789', '18790', '80', '18789/udp', '18788-18790');
  const quote = fc.constantFrom('', '"', "'");
  const short = fc.tuple(hostIp, hostPort, container, quote).map(([ip, h, c, q]) => {
    const spec = ip === '' ? `${h}${c}` : `${ip}${h === '' ? ':' : h}${c}`;
    // An unquoted "[" would start a flow list.
    const mark = q === '' && spec.startsWith('[') ? '"' : q;
    return `${mark}${spec}${mark}`;
  });
  const long = fc
    .tuple(fc.constantFrom('18789', '80'), fc.constantFrom('', '0.0.0.0', '127.0.0.1'))
    .map(([t, ip]) => (ip === '' ? `target: ${t}` : `target: ${t}\n        host_ip: ${ip}`));
  const entries = fc.array(fc.oneof(short, long), { minLength: 1, maxLength: 5 });

  it('rewrites exactly the public entries for the asked ports, and a second run changes nothing', () => {
    fc.assert(
      fc.property(entries, fc.boolean(), (items, remove) => {
        const text = `services:\n  gw:\n    # the ports\n    ports:\n${items.map((i) => `      - ${i} # c\n`).join('')}    restart: always\n`;
        const before = service(text, 'gw')['ports'] as unknown[];
        const edit = (t: string): string => (remove ? removePublishedPorts(t, 'gw', [18789]) : publishOnLoopback(t, 'gw', [18789]));
        const after = edit(text);
        expect(edit(after)).toBe(after);
        expectCommentsKept(text, after, 'yaml');
        const ports = service(after, 'gw')['ports'] as unknown[];
        const isPublic18789 = (p: unknown): boolean => {
          if (typeof p === 'object' && p !== null) {
            const m = p as Obj;
            return String(m['target']) === '18789' && m['host_ip'] !== '127.0.0.1';
          }
          const s = String(p);
          const parts = s.replace(/\$\{[^}]*\}/g, 'V').split(':');
          const c = parts[parts.length - 1]!.split('/')[0]!;
          const covers = c.includes('-') ? 18789 >= Number(c.split('-')[0]) && 18789 <= Number(c.split('-')[1]) : c === '18789';
          return covers && !s.startsWith('127.0.0.1:') && !s.startsWith('[::1]:');
        };
        expect(ports.filter(isPublic18789)).toEqual([]);
        if (remove) expect(ports).toEqual(before.filter((p) => !isPublic18789(p)));
        else expect(ports.length).toBe(before.length);
      }),
      { numRuns: 300 },
    );
  });
});
