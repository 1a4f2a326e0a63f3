import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCompose, type ComposeModel, type ComposeService } from '../../../../src/model/compose/index.js';

const openclawText = readFileSync(new URL('./fixtures/openclaw-compose.yml', import.meta.url), 'utf8');

function parse(text: string, env: Record<string, string> = {}): ComposeModel {
  return parseCompose({ path: 'compose.yaml', text, env });
}

function only(text: string, env: Record<string, string> = {}): ComposeService {
  const model = parse(text, env);
  expect(model.error).toBeUndefined();
  expect(model.services).toHaveLength(1);
  return model.services[0] as ComposeService;
}

/** Wraps service fields (indented by 4) in a file with one service "s" at line 2. */
function svc(body: string): string {
  return `services:\n  s:\n${body.replace(/^/gm, '    ')}\n`;
}

describe('the OpenClaw compose file', () => {
  const env = { OPENCLAW_CONFIG_DIR: '/home/me/.openclaw', OPENCLAW_WORKSPACE_DIR: '/home/me/.openclaw/workspace', OPENCLAW_GATEWAY_TOKEN: '[REDACTED]' };

  it('reads every service with defaults applied', () => {
    expect(parseCompose({ path: '/srv/openclaw/docker-compose.yml', text: openclawText, env })).toEqual({
      path: '/srv/openclaw/docker-compose.yml',
      services: [
        {
          name: 'openclaw-gateway',
          image: 'openclaw:local',
          line: 2,
          ports: [
            { hostIp: '', hostPort: '18789', containerPort: '18789', protocol: 'tcp', line: 12, column: 9, raw: '18789:18789' },
            { hostIp: '', hostPort: '18790', containerPort: '18790', protocol: 'tcp', line: 13, column: 9, raw: '18790:18790' },
          ],
          networks: [],
          volumes: [
            { source: '/home/me/.openclaw', target: '/home/node/.openclaw', line: 9, type: 'bind', readOnly: false },
            { source: '/home/me/.openclaw/workspace', target: '/home/node/.openclaw/workspace', line: 10, type: 'bind', readOnly: false },
          ],
          command: ['node', 'dist/index.js', 'gateway', '--bind', 'lan', '--port', '18789'],
          environment: { HOME: '/home/node', TERM: 'xterm-256color', OPENCLAW_GATEWAY_TOKEN: '[REDACTED]' },
        },
        {
          name: 'openclaw-cli',
          image: 'openclaw:local',
          line: 27,
          ports: [],
          networks: [],
          volumes: [{ source: '/home/me/.openclaw', target: '/home/node/.openclaw', line: 33, type: 'bind', readOnly: false }],
          command: ['node', 'dist/index.js'],
          environment: { HOME: '/home/node', TERM: 'xterm-256color' },
        },
      ],
      warnings: [],
    });
  });

  it('follows the .env overrides', () => {
    const model = parseCompose({
      path: 'c',
      text: openclawText,
      env: { ...env, OPENCLAW_GATEWAY_PORT: '127.0.0.1:18789', OPENCLAW_GATEWAY_BIND: 'loopback', OPENCLAW_IMAGE: 'ghcr.io/openclaw/openclaw:1.2' },
    });
    const gw = model.services[0];
    expect(gw?.image).toBe('ghcr.io/openclaw/openclaw:1.2');
    expect(gw?.ports[0]).toEqual({
      hostIp: '127.0.0.1',
      hostPort: '18789',
      containerPort: '18789',
      protocol: 'tcp',
      line: 12,
      column: 9,
      raw: '127.0.0.1:18789:18789',
    });
    expect(gw?.command).toContain('loopback');
  });

  it('warns, with the line, for each unset variable without a default', () => {
    expect(parseCompose({ path: 'c', text: openclawText, env: {} })).toMatchObject({
      warnings: [
        {
          line: 7,
          message:
            'variable "OPENCLAW_GATEWAY_TOKEN" is not set; service "openclaw-gateway" environment OPENCLAW_GATEWAY_TOKEN uses an empty string in its place',
        },
        { line: 9, message: 'variable "OPENCLAW_CONFIG_DIR" is not set; service "openclaw-gateway" volume uses an empty string in its place' },
        { line: 10, message: 'variable "OPENCLAW_WORKSPACE_DIR" is not set; service "openclaw-gateway" volume uses an empty string in its place' },
        { line: 10, message: 'service "openclaw-gateway": invalid volume ":/home/node/.openclaw/workspace"' },
        { line: 33, message: 'variable "OPENCLAW_CONFIG_DIR" is not set; service "openclaw-cli" volume uses an empty string in its place' },
        { line: 33, message: 'service "openclaw-cli": invalid volume ":/home/node/.openclaw"' },
      ],
      // Compose refuses an empty section before ":" in a volume.
      error: { line: 9, column: 9, message: 'service "openclaw-gateway": invalid volume ":/home/node/.openclaw"' },
    });
  });
});

describe('network_mode and networks', () => {
  it('a gateway on the host network', () => {
    const text = 'services:\n  gateway:\n    image: openclaw\n    network_mode: host\n    command: node dist/index.js gateway --bind lan\n';
    expect(parse(text)).toEqual({
      path: 'compose.yaml',
      services: [
        {
          name: 'gateway',
          image: 'openclaw',
          line: 2,
          ports: [],
          networkMode: 'host',
          networks: [],
          volumes: [],
          command: ['node', 'dist/index.js', 'gateway', '--bind', 'lan'],
          environment: {},
        },
      ],
      warnings: [],
    });
  });

  it('warns that ports are dropped in host mode', () => {
    const model = parse(svc('network_mode: host\nports: ["18789:18789"]'));
    expect(model.services[0]?.ports).toHaveLength(1);
    expect(model.warnings).toEqual([
      { line: 3, message: 'service "s" uses network_mode: host, so its "ports" are ignored and its sockets listen on the host directly' },
    ]);
  });

  it.each(['host', 'none', 'bridge', 'service:vpn', 'container:abc123', 'default'])('network_mode: %s', (mode) => {
    expect(only(svc(`network_mode: "${mode}"`)).networkMode).toBe(mode);
  });

  it('interpolates network_mode', () => {
    expect(only(svc('network_mode: ${MODE:-service:tailscale}')).networkMode).toBe('service:tailscale');
  });

  const networks: [string, string, string[]][] = [
    ['absent', 'image: x', []],
    ['null', 'networks:', []],
    ['list', 'networks: [front, back]', ['front', 'back']],
    ['block list', 'networks:\n  - front\n  - ${NET:-back}', ['front', 'back']],
    ['map', 'networks:\n  front:\n    aliases: [gw]\n  back: {}\n  other:', ['front', 'back', 'other']],
    ['empty list', 'networks: []', []],
  ];
  it.each(networks)('networks, %s', (_name, body, expected) => {
    expect(only(svc(body)).networks).toEqual(expected);
  });

  it('warns when network_mode and networks are both set', () => {
    expect(parse(svc('network_mode: host\nnetworks: [a]')).warnings).toEqual([
      { line: 4, message: 'service "s" sets both network_mode and networks; compose refuses that' },
    ]);
  });

  it('rejects networks that is neither list nor map', () => {
    expect(parse(svc('networks: front')).error).toEqual({ line: 3, column: 15, message: 'service "s": "networks" must be a list or a mapping' });
  });
});

describe('volumes', () => {
  const cases: [string, ComposeService['volumes']][] = [
    [
      '- /var/run/docker.sock:/var/run/docker.sock',
      [{ source: '/var/run/docker.sock', target: '/var/run/docker.sock', line: 4, type: 'bind', readOnly: false }],
    ],
    [
      '- /var/run/docker.sock:/var/run/docker.sock:ro',
      [{ source: '/var/run/docker.sock', target: '/var/run/docker.sock', line: 4, type: 'bind', readOnly: true }],
    ],
    ['- ./data:/data:rw,z', [{ source: './data', target: '/data', line: 4, type: 'bind', readOnly: false }]],
    ['- ~/.openclaw:/home/node/.openclaw:z,ro', [{ source: '~/.openclaw', target: '/home/node/.openclaw', line: 4, type: 'bind', readOnly: true }]],
    ['- state:/home/node/.openclaw', [{ source: 'state', target: '/home/node/.openclaw', line: 4, type: 'volume', readOnly: false }]],
    ['- /cache', [{ target: '/cache', line: 4, type: 'volume', readOnly: false }]],
    ['- C:\\data:/data', [{ source: 'C:\\data', target: '/data', line: 4, type: 'bind', readOnly: false }]],
    [
      '- type: bind\n  source: /var/run/docker.sock\n  target: /var/run/docker.sock\n  read_only: true',
      [{ source: '/var/run/docker.sock', target: '/var/run/docker.sock', line: 4, type: 'bind', readOnly: true }],
    ],
    ['- { type: volume, source: state, target: /state }', [{ source: 'state', target: '/state', line: 4, type: 'volume', readOnly: false }]],
    ['- { type: tmpfs, target: /tmp }', [{ target: '/tmp', line: 4, type: 'tmpfs', readOnly: false }]],
    [
      '- ${SOCK:-/var/run/docker.sock}:/var/run/docker.sock\n- /a:/b',
      [
        { source: '/var/run/docker.sock', target: '/var/run/docker.sock', line: 4, type: 'bind', readOnly: false },
        { source: '/a', target: '/b', line: 5, type: 'bind', readOnly: false },
      ],
    ],
  ];
  it.each(cases)('%s', (body, expected) => {
    expect(only(svc(`volumes:\n${body.replace(/^/gm, '  ')}`)).volumes).toEqual(expected);
  });

  const bad: [string, string][] = [
    ['- /a:/b:ro:extra', 'service "s": invalid volume "/a:/b:ro:extra": too many ":"'],
    ['- ":/b"', 'service "s": invalid volume ":/b"'],
    ['- { type: bind, source: /a }', 'service "s": a volume mapping needs "target"'],
  ];
  it.each(bad)('rejects %s', (body, message) => {
    expect(parse(svc(`volumes:\n  ${body}`)).error).toEqual({ line: 4, column: 9, message });
  });
});

describe('command and entrypoint', () => {
  const cases: [string, string[]][] = [
    ['command: node dist/index.js gateway', ['node', 'dist/index.js', 'gateway']],
    ['command: "  node   dist/index.js\\tgateway  "', ['node', 'dist/index.js', 'gateway']],
    ['command: ["node", "dist/index.js", "--port", 18789]', ['node', 'dist/index.js', '--port', '18789']],
    ['command:\n  - node\n  - --bind\n  - ${BIND:-loopback}', ['node', '--bind', 'loopback']],
    [`command: sh -c 'exec node "dist/index.js" --bind lan'`, ['sh', '-c', 'exec node "dist/index.js" --bind lan']],
    ['command: node --name "my gateway" a\\ b', ['node', '--name', 'my gateway', 'a b']],
    ['command: echo $$HOME', ['echo', '$HOME']],
    ['entrypoint: /bin/tini --\ncommand: node', ['/bin/tini', '--', 'node']],
    ['command: node\nentrypoint: [docker-entrypoint.sh]', ['docker-entrypoint.sh', 'node']],
    ['command:', []],
    ['command: []', []],
    ['command: ""', []],
  ];
  it.each(cases)('%s', (body, expected) => {
    expect(only(svc(body)).command).toEqual(expected);
  });

  it('warns on an unclosed quote and keeps the words', () => {
    const model = parse(svc('command: node "dist/index.js'));
    expect(model.services[0]?.command).toEqual(['node', 'dist/index.js']);
    expect(model.warnings).toEqual([{ line: 3, message: 'service "s" command has an unclosed quote' }]);
  });

  it('rejects a mapping', () => {
    expect(parse(svc('command: { a: 1 }')).error).toEqual({ line: 3, column: 14, message: 'service "s" command must be a string or a list' });
  });
});

describe('environment', () => {
  const env = { FROM_HOST: 'h', EMPTY: '' };
  const cases: [string, Record<string, string>][] = [
    ['environment:\n  - A=1\n  - B=x=y\n  - C=\n  - FROM_HOST\n  - NOT_SET\n  - EMPTY', { A: '1', B: 'x=y', C: '', FROM_HOST: 'h', EMPTY: '' }],
    ['environment:\n  A: 1\n  B: true\n  C: ""\n  FROM_HOST:\n  NOT_SET: null\n  D: ${FROM_HOST}-x', { A: '1', B: 'true', C: '', FROM_HOST: 'h', D: 'h-x' }],
    ['environment: ["OPENCLAW_GATEWAY_BIND=${BIND:-lan}"]', { OPENCLAW_GATEWAY_BIND: 'lan' }],
    ['environment:', {}],
  ];
  it.each(cases)('%s', (body, expected) => {
    expect(only(svc(body), env).environment).toEqual(expected);
  });
});

describe('YAML features compose files use', () => {
  it('anchors, aliases and merge keys, keeping where each value was written', () => {
    const text = [
      'x-gateway: &gateway', //              1
      '  image: openclaw', //                2
      '  ports: &ports', //                  3
      '    - "127.0.0.1:18789:18789"', //    4
      'services:', //                        5
      '  a:', //                             6
      '    <<: *gateway', //                 7
      '  b:', //                             8
      '    <<: [*gateway]', //               9
      '    image: other', //                10
      '    ports: *ports', //               11
    ].join('\n');
    const model = parse(text);
    expect(model.error).toBeUndefined();
    const port = { hostIp: '127.0.0.1', hostPort: '18789', containerPort: '18789', protocol: 'tcp', line: 4, column: 7, raw: '127.0.0.1:18789:18789' };
    expect(model.services.map((s) => [s.name, s.line, s.image, s.ports])).toEqual([
      ['a', 6, 'openclaw', [port]],
      ['b', 8, 'other', [port]],
    ]);
  });

  it('a quoted "<<" is an ordinary key', () => {
    expect(only('services:\n  a:\n    "<<": {image: x}\n').image).toBeUndefined();
  });

  it('ignores top-level keys other than services, and x- extensions', () => {
    const text =
      'version: "3.8"\nname: claw\nnetworks:\n  front: {}\nvolumes:\n  state:\nx-anything: [1, 2]\nservices:\n  a:\n    image: x\n    x-note: { deep: [1] }\n';
    expect(parse(text)).toEqual({
      path: 'compose.yaml',
      services: [{ name: 'a', image: 'x', line: 9, ports: [], networks: [], volumes: [], command: [], environment: {} }],
      warnings: [],
    });
  });

  it('treats %YAML 1.1 files as YAML 1.2, like compose', () => {
    expect(only('%YAML 1.1\n---\nservices:\n  a:\n    ports: [22:22]\n').ports[0]?.raw).toBe('22:22');
  });

  it('reads a number-like service name as a string', () => {
    expect(only('services:\n  1234:\n    image: x\n').name).toBe('1234');
  });
});

describe('problems become error or warnings, never exceptions', () => {
  const errors: [string, string, ComposeModel['error']][] = [
    ['bad YAML', 'services:\n  a: [\n', { line: 3, column: 1, message: 'Flow sequence in block collection must be sufficiently indented and end with a ]' }],
    ['a tab indent', 'services:\n\ta: {}\n', { line: 2, column: 1, message: 'Tabs are not allowed as indentation' }],
    ['a duplicate key', 'services:\n  a: {}\n  a: {}\n', { line: 3, column: 3, message: 'Map keys must be unique' }],
    ['an empty file', '', { line: 1, column: 1, message: 'empty compose file' }],
    ['only comments', '# nothing\n', { line: 1, column: 1, message: 'empty compose file' }],
    ['a scalar at the top', 'hello', { line: 1, column: 1, message: 'the top level of a compose file must be a mapping' }],
    ['a list at the top', '- a\n- b\n', { line: 1, column: 1, message: 'the top level of a compose file must be a mapping' }],
    ['services as a list', 'services:\n  - a\n', { line: 2, column: 3, message: '"services" must be a mapping of service names to definitions' }],
    ['services as a string', 'services: a', { line: 1, column: 11, message: '"services" must be a mapping of service names to definitions' }],
    ['a service that is a string', 'services:\n  a: nginx\n', { line: 2, column: 6, message: 'service "a" must be a mapping' }],
    ['a service with no body', 'services:\n  a:\n', { line: 2, column: 3, message: 'service "a" must be a mapping' }],
    ['ports as a string', svc('ports: "80:80"'), { line: 3, column: 12, message: 'service "s": "ports" must be a list' }],
    ['volumes as a map', svc('volumes: {a: b}'), { line: 3, column: 14, message: 'service "s": "volumes" must be a list' }],
    [
      'a required variable',
      svc('image: ${IMAGE:?set IMAGE in .env}'),
      { line: 3, column: 12, message: 'service "s" image: required variable IMAGE is missing a value: set IMAGE in .env' },
    ],
    ['image as a list', svc('image: [a]'), { line: 3, column: 12, message: 'service "s" image must be a single value, not a list' }],
    [
      'two documents',
      'services: {}\n---\nservices: {}\n',
      { line: 2, column: 1, message: 'Source contains multiple documents; please use YAML.parseAllDocuments()' },
    ],
    ['merging a scalar', 'x: &x 1\nservices:\n  a:\n    <<: *x\n', { line: 4, column: 9, message: '"<<" must merge a mapping or a list of mappings' }],
  ];
  it.each(errors)('%s', (_name, text, error) => {
    const model = parse(text);
    expect(model.error).toEqual(error);
  });

  it('keeps the good services and ports beside a bad one, and later problems as warnings', () => {
    const text = 'services:\n  good:\n    ports: ["80:80", "bad", "81:81", "x:1:1"]\n  bad: 3\n';
    const model = parse(text);
    expect(model.error).toEqual({ line: 3, column: 22, message: 'service "good": port "bad": invalid container port "bad"' });
    expect(model.services.map((s) => [s.name, s.ports.map((p) => p.raw)])).toEqual([['good', ['80:80', '81:81']]]);
    expect(model.warnings).toEqual([
      { line: 3, message: 'service "good": port "x:1:1": invalid host IP address "x"' },
      { line: 4, message: 'service "bad" must be a mapping' },
    ]);
  });

  const warnings: [string, string, ComposeModel['warnings']][] = [
    ['no services key', 'name: x\n', [{ message: 'the file defines no services' }]],
    ['services: null', 'services:\n', [{ line: 1, message: 'the file defines no services' }]],
    ['env_file', svc('env_file: .env.gateway'), [{ line: 3, message: 'service "s" has env_file; those variables are not read' }]],
    ['an unknown tag', svc('ports: !reset []'), [{ line: 3, message: 'Unresolved tag: !reset' }]],
  ];
  it.each(warnings)('%s', (_name, text, expected) => {
    const model = parse(text);
    expect(model.error).toBeUndefined();
    expect(model.warnings).toEqual(expected);
  });

  it('include is recorded as not followed (nothing can pass on the services it would add)', () => {
    const model = parse('include: [other.yml]\nservices: {}\n');
    expect(model.error).toBeUndefined();
    expect(model.unresolved).toEqual([{ line: 1, message: '"include" pulls in other compose files, and clawmoat does not read them' }]);
  });

  it('extends is recorded for the merge, in both forms', () => {
    expect(parse(svc('extends: { service: base }')).services[0]?.extends).toEqual({ service: 'base', line: 3 });
    expect(parse(svc('extends: { service: base, file: common.yml }')).services[0]?.extends).toEqual({ service: 'base', file: 'common.yml', line: 3 });
    expect(parse(svc('extends: base')).services[0]?.extends).toEqual({ service: 'base', line: 3 });
  });

  it('a self-referencing merge is bounded', () => {
    const model = parse('x: &a\n  <<: *a\nservices:\n  s:\n    <<: *a\n');
    expect(model.error?.message).toMatch(/merge|alias|anchor/i);
  });

  it('many merges of one anchor stay fast', () => {
    const lines = ['x0: &a0 {image: x}'];
    // 3^12 merge paths without memoisation; within the merge depth bound.
    for (let i = 1; i <= 12; i++) lines.push(`x${i}: &a${i} {<<: [*a${i - 1}, *a${i - 1}, *a${i - 1}]}`);
    lines.push('services:\n  s:\n    <<: *a12');
    const started = performance.now();
    const model = parse(lines.join('\n'));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(model.services.map((s) => s.image)).toEqual(['x']);
  });
});
