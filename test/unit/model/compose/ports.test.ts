import { describe, expect, it } from 'vitest';
import { parseCompose, publishesPort, type ComposePort } from '../../../../src/model/compose/index.js';
import { parseLongPort, parseShortPort } from '../../../../src/model/compose/ports.js';

/** One port entry in a minimal file: the entry always starts at line 4, column 9. */
function parsePortEntry(item: string, env: Record<string, string> = {}) {
  const text = `services:\n  s:\n    ports:\n      - ${item}\n`;
  return parseCompose({ path: 'compose.yaml', text, env });
}

type Expected = Omit<ComposePort, 'line' | 'column'>;

const all = (hostPort: string | undefined, containerPort: string, raw: string, extra: Partial<Expected> = {}): Expected => ({
  hostIp: '',
  ...(hostPort === undefined ? {} : { hostPort }),
  containerPort,
  protocol: 'tcp',
  raw,
  ...extra,
});

describe('short port syntax', () => {
  const cases: { item: string; env?: Record<string, string>; port: Expected }[] = [
    // OpenClaw's own compose file and the guide's variants.
    { item: '"${OPENCLAW_GATEWAY_PORT:-18789}:18789"', port: all('18789', '18789', '18789:18789') },
    { item: '"${OPENCLAW_GATEWAY_PORT:-18789}:18789"', env: { OPENCLAW_GATEWAY_PORT: '28789' }, port: all('28789', '18789', '28789:18789') },
    { item: '"${OPENCLAW_GATEWAY_PORT:-18789}:18789"', env: { OPENCLAW_GATEWAY_PORT: '' }, port: all('18789', '18789', '18789:18789') },
    { item: '"127.0.0.1:18789:18789"', port: all('18789', '18789', '127.0.0.1:18789:18789', { hostIp: '127.0.0.1' }) },
    { item: '"18790:18790"', port: all('18790', '18790', '18790:18790') },
    { item: '"127.0.0.1:${OPENCLAW_BRIDGE_PORT:-18790}:18790"', port: all('18790', '18790', '127.0.0.1:18790:18790', { hostIp: '127.0.0.1' }) },
    // Container port only: Docker picks the host port.
    { item: '"18789"', port: all(undefined, '18789', '18789') },
    { item: '8080', port: all(undefined, '8080', '8080') },
    { item: '0x1F90', port: all(undefined, '8080', '8080') },
    // Unquoted "H:C" is a string in YAML 1.2, never a base-60 number.
    { item: '22:22', port: all('22', '22', '22:22') },
    { item: '80:80', port: all('80', '80', '80:80') },
    { item: '"0.0.0.0:80:80"', port: all('80', '80', '0.0.0.0:80:80', { hostIp: '0.0.0.0' }) },
    { item: '"192.168.1.5:80:8080"', port: all('80', '8080', '192.168.1.5:80:8080', { hostIp: '192.168.1.5' }) },
    { item: '"127.0.0.1::80"', port: all(undefined, '80', '127.0.0.1::80', { hostIp: '127.0.0.1' }) },
    { item: '"[::1]:18789:18789"', port: all('18789', '18789', '[::1]:18789:18789', { hostIp: '::1' }) },
    { item: '"[::]:80:80"', port: all('80', '80', '[::]:80:80', { hostIp: '::' }) },
    { item: '"[::1]::80"', port: all(undefined, '80', '[::1]::80', { hostIp: '::1' }) },
    // Docker takes IPv6 without brackets too: the last two fields are the ports.
    { item: '"::1:18789:18789"', port: all('18789', '18789', '::1:18789:18789', { hostIp: '::1' }) },
    { item: '"fe80::1:80:80"', port: all('80', '80', 'fe80::1:80:80', { hostIp: 'fe80::1' }) },
    { item: '"9000-9002:9000-9002"', port: all('9000-9002', '9000-9002', '9000-9002:9000-9002') },
    { item: '"9000-9002"', port: all(undefined, '9000-9002', '9000-9002') },
    { item: '"9000-9002:80"', port: all('9000-9002', '80', '9000-9002:80') },
    { item: '"8080-8080:80"', port: all('8080', '80', '8080-8080:80') },
    { item: '"0:80"', port: all(undefined, '80', '0:80') },
    { item: '"08080:080"', port: all('8080', '80', '08080:080') },
    { item: '"53:53/udp"', port: all('53', '53', '53:53/udp', { protocol: 'udp' }) },
    { item: '"53/UDP"', port: all(undefined, '53', '53/UDP', { protocol: 'udp' }) },
    { item: '"127.0.0.1:5000:5000/sctp"', port: all('5000', '5000', '127.0.0.1:5000:5000/sctp', { hostIp: '127.0.0.1', protocol: 'sctp' }) },
    { item: '"80:80/tcp"', port: all('80', '80', '80:80/tcp') },
    { item: '"80:80/"', port: all('80', '80', '80:80/') },
    { item: '"[::1]:9000-9001:9000-9001/udp"', port: all('9000-9001', '9000-9001', '[::1]:9000-9001:9000-9001/udp', { hostIp: '::1', protocol: 'udp' }) },
    // An unset variable leaves the host port empty: Docker then picks one.
    { item: '"${UNSET_PORT}:80"', port: all(undefined, '80', ':80') },
  ];
  for (const c of cases) {
    it(`${c.item}${c.env ? ` with ${JSON.stringify(c.env)}` : ''}`, () => {
      const model = parsePortEntry(c.item, c.env);
      expect(model.error).toBeUndefined();
      expect(model.services[0]?.ports).toEqual([{ ...c.port, line: 4, column: 9 }]);
    });
  }

  it('warns about an unset variable, with its line', () => {
    expect(parsePortEntry('"${UNSET_PORT}:80"').warnings).toEqual([
      { line: 4, message: 'variable "UNSET_PORT" is not set; service "s" port uses an empty string in its place' },
    ]);
  });

  const bad: { item: string; message: string }[] = [
    { item: '"localhost:80:80"', message: 'invalid host IP address "localhost"' },
    { item: '"[::1:80:80"', message: 'invalid host IP address "[::1"' },
    { item: '"::1:80"', message: 'invalid host IP address ":"' },
    { item: '"80:"', message: 'no container port' },
    { item: '""', message: 'no container port' },
    { item: '"80:http"', message: 'invalid container port "http"' },
    { item: '"70000:80"', message: 'invalid host port "70000"' },
    { item: '"-1:80"', message: 'invalid host port "-1"' },
    { item: '"9002-9000:80"', message: 'invalid host port "9002-9000"' },
    { item: '"9000-9001:80-82"', message: 'host ports "9000-9001" and container ports "80-82" are ranges of different sizes' },
    { item: '"80:80-81"', message: 'host ports "80" and container ports "80-81" are ranges of different sizes' },
    { item: '"80:80/icmp"', message: 'invalid protocol "icmp"' },
    { item: '"80:0"', message: 'container port 0' },
  ];
  it.each(bad)('rejects $item', ({ item, message }) => {
    const model = parsePortEntry(item);
    const raw = JSON.parse(item) as string;
    expect(model.error).toEqual({ line: 4, column: 9, message: `service "s": port "${raw}": ${message}` });
    expect(model.services[0]?.ports).toEqual([]);
  });

  const notPorts: { item: string; message: string }[] = [
    { item: 'true', message: 'service "s": port true is not a port number or mapping' },
    { item: '80.5', message: 'service "s": port 80.5 is not a port number or mapping' },
    { item: '[80]', message: 'service "s": a port must be a string, a number or a mapping' },
    { item: '"${X:?set X}:80"', message: 'service "s" port: required variable X is missing a value: set X' },
    { item: '"$1:80"', message: 'service "s" port: "$" followed by "1" (write "$$" for a literal "$")' },
  ];
  it.each(notPorts)('rejects $item', ({ item, message }) => {
    expect(parsePortEntry(item).error).toEqual({ line: 4, column: 9, message });
  });
});

describe('long port syntax', () => {
  const cases: { item: string; env?: Record<string, string>; port: Expected }[] = [
    {
      item: '{ target: 18789, published: 18789, host_ip: 0.0.0.0 }',
      port: all('18789', '18789', '{target: 18789, published: 18789, host_ip: 0.0.0.0}', { hostIp: '0.0.0.0' }),
    },
    { item: '{ target: 18789, published: "18789" }', port: all('18789', '18789', '{target: 18789, published: 18789}') },
    { item: '{ target: 18789 }', port: all(undefined, '18789', '{target: 18789}') },
    { item: '{ target: 80, published: "8000-8002" }', port: all('8000-8002', '80', '{target: 80, published: 8000-8002}') },
    {
      item: '{ target: 53, published: 53, protocol: udp, mode: host, host_ip: "::1" }',
      port: all('53', '53', '{target: 53, published: 53, protocol: udp, mode: host, host_ip: ::1}', { hostIp: '::1', protocol: 'udp' }),
    },
    {
      item: '{ published: "${P:-18789}", target: 18789, host_ip: "${IP}" }',
      env: { IP: '127.0.0.1' },
      port: all('18789', '18789', '{published: 18789, target: 18789, host_ip: 127.0.0.1}', { hostIp: '127.0.0.1' }),
    },
    {
      item: '{ target: 80, published: "", name: web, app_protocol: http }',
      port: all(undefined, '80', '{target: 80, published: , name: web, app_protocol: http}'),
    },
    { item: '{ target: 80, host_ip: "[::1]", x-note: ignored }', port: all(undefined, '80', '{target: 80, host_ip: [::1]}', { hostIp: '::1' }) },
  ];
  it.each(cases)('$item', ({ item, env, port }) => {
    const model = parsePortEntry(item, env);
    expect(model.error).toBeUndefined();
    expect(model.services[0]?.ports).toEqual([{ ...port, line: 4, column: 9 }]);
  });

  it('positions a block mapping at its first key', () => {
    const text = 'services:\n  gw:\n    ports:\n      - target: 18789\n        published: 18789\n        host_ip: 0.0.0.0\n';
    expect(parseCompose({ path: 'c', text, env: {} }).services[0]?.ports).toEqual([
      {
        hostIp: '0.0.0.0',
        hostPort: '18789',
        containerPort: '18789',
        protocol: 'tcp',
        line: 4,
        column: 9,
        raw: '{target: 18789, published: 18789, host_ip: 0.0.0.0}',
      },
    ]);
  });

  const bad: { item: string; message: string }[] = [
    { item: '{ published: 80 }', message: 'service "s": port "{published: 80}": long port syntax without "target"' },
    { item: '{ target: 80, host_ip: localhost }', message: 'service "s": port "{target: 80, host_ip: localhost}": invalid host IP address "localhost"' },
    { item: '{ target: 80, protocol: icmp }', message: 'service "s": port "{target: 80, protocol: icmp}": invalid protocol "icmp"' },
    { item: '{ target: [80] }', message: 'service "s" port target must be a single value, not a list' },
  ];
  it.each(bad)('rejects $item', ({ item, message }) => {
    const model = parsePortEntry(item);
    expect(model.error).toEqual({ line: 4, column: 9 + (item.startsWith('{ target: [') ? 10 : 0), message });
  });
});

describe('parseShortPort / parseLongPort', () => {
  it('agree on the same mapping', () => {
    expect(parseShortPort('127.0.0.1:18789:18789/udp')).toEqual(parseLongPort({ target: '18789', published: '18789', hostIp: '127.0.0.1', protocol: 'udp' }));
  });
});

describe('publishesPort', () => {
  const port = (hostPort: string | undefined): ComposePort => ({
    hostIp: '',
    ...(hostPort === undefined ? {} : { hostPort }),
    containerPort: '18789',
    protocol: 'tcp',
    line: 1,
    column: 1,
    raw: '',
  });
  const cases: [string | undefined, number, boolean][] = [
    ['18789', 18789, true],
    ['18789', 18790, false],
    ['9000-9002', 8999, false],
    ['9000-9002', 9000, true],
    ['9000-9002', 9001, true],
    ['9000-9002', 9002, true],
    ['9000-9002', 9003, false],
    [undefined, 18789, false],
    ['garbage', 18789, false],
  ];
  it.each(cases)('%s publishes %i: %s', (hostPort, n, expected) => {
    expect(publishesPort(port(hostPort), n)).toBe(expected);
  });
});
