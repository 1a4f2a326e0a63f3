import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpolate } from '../../../../src/model/compose/interpolate.js';
import { isPublicHostIp, parseCompose, publishesPort, type ComposeModel, type ComposePort } from '../../../../src/model/compose/index.js';
import { parseShortPort } from '../../../../src/model/compose/ports.js';

const openclawText = readFileSync(new URL('./fixtures/openclaw-compose.yml', import.meta.url), 'utf8');

/** A file that uses most of what the parser reads, so its truncations reach every branch. */
const richText = `x-common: &common
  image: \${IMAGE:-openclaw:local}
  environment: &env
    - OPENCLAW_GATEWAY_BIND=\${BIND:-lan}
services:
  gateway:
    <<: *common
    ports:
      - "\${OPENCLAW_GATEWAY_PORT:-18789}:18789"
      - "127.0.0.1:18790:18790/tcp"
      - "[::1]:9000-9002:9000-9002/udp"
      - 8080
      - target: 18789
        published: "18789"
        host_ip: 0.0.0.0
        protocol: tcp
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
      - { type: bind, source: ./state, target: /state }
    networks:
      front:
        aliases: [gw]
    command: node dist/index.js gateway --bind "\${BIND:-lan}"
    entrypoint: ["tini", "--"]
  hostnet:
    image: openclaw
    network_mode: host
    environment: { A: 1, B: null }
networks:
  front: {}
`;

const env = { BIND: 'loopback', HOME: '/root' };

function checkShape(model: ComposeModel): void {
  expect(Array.isArray(model.services)).toBe(true);
  expect(Array.isArray(model.warnings)).toBe(true);
  if (model.error) {
    expect(model.error.line).toBeGreaterThanOrEqual(1);
    expect(model.error.column).toBeGreaterThanOrEqual(1);
    expect(typeof model.error.message).toBe('string');
  }
  for (const s of model.services) {
    for (const p of s.ports) {
      expect(['tcp', 'udp', 'sctp']).toContain(p.protocol);
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.column).toBeGreaterThanOrEqual(1);
    }
  }
}

const yamlish = fc
  .array(
    fc.constantFrom(
      'services:',
      'ports:',
      'volumes:',
      'networks:',
      'network_mode:',
      'command:',
      'entrypoint:',
      'environment:',
      'image:',
      'target:',
      'published:',
      'host_ip:',
      '<<:',
      '&a ',
      '*a',
      '!reset ',
      '!!str ',
      '\n',
      '  ',
      '    ',
      '- ',
      '\t',
      ' ',
      '#',
      '"',
      "'",
      '[',
      ']',
      '{',
      '}',
      ',',
      ':',
      '?',
      '|',
      '>',
      '---',
      '...',
      '%YAML 1.1',
      '$',
      '$$',
      '${',
      '${A:-',
      '${A:?x}',
      'a',
      'gw',
      '80',
      '18789',
      '80:80',
      '127.0.0.1',
      '[::1]',
      '::1',
      '-',
      '/udp',
      '0.0.0.0',
      'host',
      'K=V',
      '\\',
      '\u0000',
      '\ufeff',
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

describe('parseCompose never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        checkShape(parseCompose({ path: 'p', text, env }));
      }),
      { numRuns: 500 },
    );
  });

  it('on YAML-ish token soup', () => {
    fc.assert(
      fc.property(yamlish, fc.dictionary(fc.constantFrom('A', 'BIND', 'IMAGE'), fc.string({ maxLength: 8 })), (text, vars) => {
        checkShape(parseCompose({ path: 'p', text, env: vars }));
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['the OpenClaw file', openclawText],
    ['a file using every feature', richText],
  ])('on every truncation of %s', (_name, text) => {
    for (let n = 0; n <= text.length; n++) {
      checkShape(parseCompose({ path: 'p', text: text.slice(0, n), env }));
    }
  });

  it('on a valid file with one character deleted or inserted', () => {
    fc.assert(
      fc.property(fc.nat({ max: richText.length }), fc.string({ unit: 'binary', maxLength: 3 }), fc.boolean(), (at, insert, del) => {
        const text = richText.slice(0, at) + insert + richText.slice(del ? at + 1 : at);
        checkShape(parseCompose({ path: 'p', text, env }));
      }),
      { numRuns: 500 },
    );
  });

  it('the rich file itself parses cleanly', () => {
    const model = parseCompose({ path: 'p', text: richText, env });
    expect(model.error).toBeUndefined();
    expect(model.warnings).toEqual([]);
    expect(model.services.map((s) => [s.name, s.ports.length, s.networkMode, s.networks, s.command.length])).toEqual([
      ['gateway', 5, undefined, ['front'], 7],
      ['hostnet', 0, 'host', [], 0],
    ]);
  });
});

describe('interpolate never throws', () => {
  it('on arbitrary templates', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })), (template, vars) => {
        const result = interpolate(template, vars);
        expect(typeof result.value).toBe('string');
      }),
      { numRuns: 1000 },
    );
  });

  it('returns text without "$" unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 100 }).filter((s) => !s.includes('$')),
        (text) => {
          expect(interpolate(text, {})).toEqual({ value: text, unset: [] });
        },
      ),
    );
  });
});

interface GeneratedPort {
  ip: string;
  bracketed: boolean;
  host?: [number, number];
  container: [number, number];
  protocol: string;
}

const portNumber = fc.integer({ min: 1, max: 65535 });
const range = (maxSpan: number) =>
  fc.tuple(portNumber, fc.integer({ min: 0, max: maxSpan })).map(([start, span]): [number, number] => [start, Math.min(65535, start + span)]);

const generatedPort: fc.Arbitrary<GeneratedPort> = fc
  .record({
    ip: fc.oneof(fc.constant(''), fc.constant('127.0.0.1'), fc.constant('0.0.0.0'), fc.constant('::1'), fc.constant('::'), fc.ipV4(), fc.ipV6()),
    bracketed: fc.boolean(),
    container: fc.oneof(range(0), range(10)),
    hostKind: fc.constantFrom('none', 'same-size', 'pool'),
    hostStart: portNumber,
    poolSpan: fc.integer({ min: 0, max: 10 }),
    protocol: fc.constantFrom('', '/tcp', '/udp', '/sctp', '/UDP', '/Tcp'),
  })
  .map(({ ip, bracketed, container, hostKind, hostStart, poolSpan, protocol }) => {
    const size = container[1] - container[0];
    const start = Math.min(hostStart, 65535 - Math.max(size, poolSpan));
    let host: [number, number] | undefined;
    if (hostKind === 'same-size') host = [start, start + size];
    // A host range with a single container port is a pool Docker picks from.
    else if (hostKind === 'pool') {
      host = [start, start + poolSpan];
      container = [container[0], container[0]];
    }
    return { ip, bracketed: bracketed && ip.includes(':'), ...(host ? { host } : {}), container, protocol };
  });

const fmt = ([a, b]: [number, number]) => (a === b ? String(a) : `${a}-${b}`);

function write(p: GeneratedPort): string {
  const container = fmt(p.container) + p.protocol;
  const host = p.host ? fmt(p.host) : '';
  if (p.ip === '') return host === '' ? container : `${host}:${container}`;
  return `${p.bracketed ? `[${p.ip}]` : p.ip}:${host}:${container}`;
}

describe('short port specs round-trip', () => {
  it('through parseShortPort', () => {
    fc.assert(
      fc.property(generatedPort, (p) => {
        expect(parseShortPort(write(p))).toEqual({
          ok: true,
          spec: {
            hostIp: p.ip,
            ...(p.host ? { hostPort: fmt(p.host) } : {}),
            containerPort: fmt(p.container),
            protocol: p.protocol === '' ? 'tcp' : p.protocol.slice(1).toLowerCase(),
          },
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('through a compose file, quoted, with the position and raw text', () => {
    fc.assert(
      fc.property(generatedPort, (p) => {
        const raw = write(p);
        const model = parseCompose({ path: 'p', text: `services:\n  s:\n    ports:\n      - '${raw}'\n`, env: {} });
        expect(model.error).toBeUndefined();
        expect(model.services[0]?.ports).toEqual([
          {
            hostIp: p.ip,
            ...(p.host ? { hostPort: fmt(p.host) } : {}),
            containerPort: fmt(p.container),
            protocol: p.protocol === '' ? 'tcp' : p.protocol.slice(1).toLowerCase(),
            line: 4,
            column: 9,
            raw,
          },
        ]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('helpers agree with their definitions', () => {
  it('publishesPort is range membership', () => {
    fc.assert(
      fc.property(range(100), portNumber, ([a, b], n) => {
        const port: ComposePort = { hostIp: '', hostPort: fmt([a, b]), containerPort: '80', protocol: 'tcp', line: 1, column: 1, raw: '' };
        expect(publishesPort(port, n)).toBe(n >= a && n <= b);
      }),
    );
  });

  it('isPublicHostIp is false exactly for 127.0.0.0/8 among IPv4 addresses', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(isPublicHostIp(ip)).toBe(!ip.startsWith('127.'));
        expect(isPublicHostIp(`::ffff:${ip}`)).toBe(!ip.startsWith('127.'));
      }),
    );
  });
});
