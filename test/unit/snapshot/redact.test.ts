import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SecretVault, isSecretName, redactArgv, redactEnvEntry, redactObject, redactText } from '../../../src/snapshot/redact.js';
import { resolveOpenClawConfig } from '../../../src/openclaw/config-resolve.js';
import { HIDDEN_SECRETS, HIDDEN_SECRETS_CONFIG, KEPT_VALUES } from '../../fixtures/builders/secret-config.js';
import { tempDir, write } from '../openclaw/helpers.js';

const TOKEN = 'f3a9c2e17b5d4a60b8e9d1c2a3b4c5d6';

describe('redaction', () => {
  it('knows secret names and leaves modes and paths alone', () => {
    for (const n of ['token', 'OPENCLAW_GATEWAY_TOKEN', 'password', 'apiKey', 'ANTHROPIC_API_KEY', 'secret']) expect(isSecretName(n), n).toBe(true);
    for (const n of ['mode', 'auth.mode', 'passwordFile', 'tokenTtl', 'bind', 'port']) expect(isSecretName(n), n).toBe(false);
  });

  it('redacts --token in both argv forms and remembers the value', () => {
    const vault = new SecretVault();
    expect(redactArgv(['openclaw', 'gateway', '--token', TOKEN, '--bind', 'lan'], vault)).toEqual([
      'openclaw',
      'gateway',
      '--token',
      '[REDACTED]',
      '--bind',
      'lan',
    ]);
    expect(redactArgv(['x', `--password=${TOKEN}`], vault)).toEqual(['x', '--password=[REDACTED]']);
    expect(vault.scrubText(`echo ${TOKEN}`)).toBe('echo [REDACTED]');
  });

  it('redacts env entries, unit files, YAML and JSON text', () => {
    expect(redactEnvEntry(`OPENCLAW_GATEWAY_TOKEN=${TOKEN}`)).toBe('OPENCLAW_GATEWAY_TOKEN=[REDACTED]');
    expect(redactEnvEntry('OPENCLAW_GATEWAY_PORT=18789')).toBe('OPENCLAW_GATEWAY_PORT=18789');
    const unit = `[Service]\nEnvironment=OPENCLAW_GATEWAY_TOKEN=${TOKEN}\nExecStart=/usr/bin/openclaw gateway --bind lan --token ${TOKEN}\n`;
    const redactedUnit = redactText(unit);
    expect(redactedUnit).not.toContain(TOKEN);
    expect(redactedUnit).toContain('--bind lan');
    const yaml = `environment:\n  OPENCLAW_GATEWAY_TOKEN: ${TOKEN}\n  - PASSWORD=${TOKEN}\n  keep: \${OPENCLAW_GATEWAY_TOKEN}\n  token: \${OPENCLAW_GATEWAY_TOKEN}\n`;
    const redactedYaml = redactText(yaml);
    expect(redactedYaml).not.toContain(TOKEN);
    expect(redactedYaml).toContain('token: ${OPENCLAW_GATEWAY_TOKEN}');
    expect(redactText(`{ "token": "${TOKEN}", mode: "token" }`)).toBe('{ "token": "[REDACTED]", mode: "token" }');
  });

  it('redacts units whatever the quoting: quoted Environment=, continued ExecStart, URL userinfo, flags on one line', () => {
    const [a, b, c, d, e, f] = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `${x}${TOKEN}`);
    const unit = [
      '[Service]',
      `Environment="OPENCLAW_GATEWAY_TOKEN=${a} tail${b}" OPENCLAW_GATEWAY_PORT=18789`,
      `Environment=OPENCLAW_GATEWAY_URL=wss://bob:${c}@gw.example/x`,
      `ExecStart=/usr/bin/openclaw gateway --bind lan --token \\`,
      `    ${d} --port 18789`,
      `ExecStartPost=/bin/sh -c 'curl -H "Authorization: Bearer ${e}" http://127.0.0.1/'`,
      `# ["--password", "${f}"]`,
      '',
    ].join('\n');
    const vault = new SecretVault();
    const out = redactText(unit, vault);
    for (const s of [a, b, c, d, e, f]) expect(out).not.toContain(s);
    expect(out).toContain('OPENCLAW_GATEWAY_PORT=18789');
    expect(out).toContain('wss://bob:[REDACTED]@gw.example/x');
    expect(out).toContain('--port 18789');
    expect(vault.size).toBeGreaterThanOrEqual(5);
    expect(redactText(`{ auth: { token: "${a}" }, bind: "lan" }`)).toBe('{ auth: { token: "[REDACTED]" }, bind: "lan" }');
    expect(redactText('TOKEN=${GATEWAY_TOKEN:-' + b + '}')).not.toContain(b);
  });

  it('masks URL passwords in argv, env entries and config strings, keeping scheme, user and host', () => {
    const vault = new SecretVault();
    expect(redactArgv(['openclaw', 'gateway', '--url', `ws://me:${TOKEN}@h:1/p`], vault)).toEqual(['openclaw', 'gateway', '--url', 'ws://me:[REDACTED]@h:1/p']);
    expect(redactEnvEntry(`DB_URL=postgres://app:${TOKEN}@db/app`)).toBe('DB_URL=postgres://app:[REDACTED]@db/app');
    expect(redactObject({ gateway: { remote: { url: `wss://u:p@ss${TOKEN}@gw/` } } }, vault)).toEqual({
      gateway: { remote: { url: 'wss://u:[REDACTED]@gw/' } },
    });
    expect(redactObject({ password: 12345678 })).toEqual({ password: { $redacted: true, length: 8 } });
  });

  it('the OpenClaw config reader keeps no secret of an env map, a URL query, a colon-less userinfo, a # in a password or a webhook path', async () => {
    const home = tempDir();
    const path = write(home, 'oc/openclaw.json', HIDDEN_SECRETS_CONFIG);
    const vault = new SecretVault();
    const read = await resolveOpenClawConfig({ env: {}, homeDir: home, configPathOverride: path }, vault);
    expect(read.config.status).toBe('ok');
    const text = JSON.stringify(read);
    for (const [name, value] of Object.entries(HIDDEN_SECRETS)) expect(text.includes(value), name).toBe(false);
    for (const value of KEPT_VALUES) expect(text, value).toContain(JSON.stringify(value).slice(1, -1));
    // Remembered too, so the vault scrubs them from anything else collect writes.
    expect(vault.scrubText(Object.values(HIDDEN_SECRETS).join(' '))).not.toMatch(/[A-Za-z0-9]{12}/);
  });

  it('free text: URL secrets, env names ending in KEY, PAT or DSN, and webhooks; user names, hosts and other parameters stay', () => {
    const { queryKey, sentryKey, redisPassword, slackPath, githubPat, braveKey } = HIDDEN_SECRETS;
    const unit = [
      `Environment=BRAVE_SEARCH_KEY=${braveKey} GITHUB_PAT=${githubPat} SENTRY_DSN=https://${sentryKey}@o1.ingest.sentry.io/1`,
      `ExecStartPre=/usr/bin/curl -fsS "https://api.example.test/v1?region=eu&key=${queryKey}" https://hooks.slack.com/services/${slackPath}`,
      `Environment=CACHE=redis://:${redisPassword}@cache:6379 REPO=ssh://git@github.com/acme/x.git`,
    ].join('\n');
    const out = redactText(unit);
    for (const value of [queryKey, sentryKey, redisPassword, slackPath, githubPat, braveKey]) expect(out).not.toContain(value);
    expect(out).toContain('https://api.example.test/v1?region=eu&key=[REDACTED]"');
    expect(out).toContain('redis://:[REDACTED]@cache:6379');
    expect(out).toContain('ssh://git@github.com/acme/x.git');
    expect(out).toContain('https://hooks.slack.com/services/[REDACTED]');
    for (const n of ['BRAVE_SEARCH_KEY', 'GITHUB_PAT', 'SENTRY_DSN', 'key', 'webhookUrl', 'SLACK_WEBHOOK']) expect(isSecretName(n), n).toBe(true);
    for (const n of ['keyPath', 'webhookPath', 'monkey', 'sessionKeyMode']) expect(isSecretName(n), n).toBe(false);
  });

  it('stays linear on hostile text: long runs that nearly match take milliseconds, and nothing recurses', () => {
    const n = 200_000;
    const hostile = [
      'a'.repeat(n),
      'A='.repeat(n / 2),
      'TOKEN='.repeat(n / 6),
      '--a'.repeat(n / 3),
      'x://u:'.repeat(n / 6),
      'a.'.repeat(n / 2),
      '"A='.repeat(n / 3),
      'a: "'.repeat(n / 4),
      '"--a'.repeat(n / 4),
      'x://'.repeat(n / 4),
      'x://a@'.repeat(n / 6),
      `x://${'a'.repeat(n)}`,
      `x://h?${'a=b&'.repeat(n / 4)}`,
      'x://h?k='.repeat(n / 8),
      `https://hooks.slack.com/services/${'a'.repeat(n)}`,
    ];
    for (const text of hostile) {
      const started = performance.now();
      redactText(text);
      expect(performance.now() - started, text.slice(0, 12)).toBeLessThan(1500);
    }
  });

  it('replaces secret-named config values with their length', () => {
    const vault = new SecretVault();
    expect(redactObject({ gateway: { auth: { mode: 'token', token: TOKEN } } }, vault)).toEqual({
      gateway: { auth: { mode: 'token', token: { $redacted: true, length: TOKEN.length } } },
    });
    expect(vault.size).toBe(1);
  });

  it('the vault scrubs any remembered secret from any JSON value', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 40 }).filter((s) => s.trim() === s && s.length >= 8),
        fc.jsonValue(),
        (secret, value) => {
          const vault = new SecretVault();
          vault.remember(secret);
          const scrubbed = vault.scrub({ value, nested: [`prefix ${secret} suffix`, { k: secret }] });
          expect(JSON.stringify(scrubbed)).not.toContain(JSON.stringify(secret).slice(1, -1));
        },
      ),
      { numRuns: 300 },
    );
  });

  /** What scrub promises, written the plain way: every string of a deep copy with every form of every secret replaced. */
  function scrubbedTheLongWay(value: unknown, secrets: string[]): unknown {
    const forms = [...secrets].sort((a, b) => b.length - a.length).flatMap((x) => [...new Set([x, JSON.stringify(x).slice(1, -1)])]);
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return forms.reduce((out, f) => out.split(f).join('[REDACTED]'), v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value);
  }

  it('a "__proto__" key of a parsed file stays a key of the copy, never its prototype (scrub and redactObject)', () => {
    const hostile = JSON.parse('{"gateway":{"__proto__":{"auth":{"mode":"token"}},"bind":"lan","token":"tok-0123456789"}}') as Record<string, unknown>;
    const vault = new SecretVault();
    const redacted = redactObject(hostile, vault) as { gateway: Record<string, unknown> };
    const scrubbed = vault.scrub({ note: 'tok-0123456789', config: redacted }).config as { gateway: Record<string, unknown> };
    for (const g of [redacted.gateway, scrubbed.gateway]) {
      expect(g.auth).toBeUndefined();
      expect(Object.getPrototypeOf(g)).toBe(Object.prototype);
      expect(Object.keys(g)).toEqual(['__proto__', 'bind', 'token']);
    }
  });

  it('scrub answers as a deep replace of every form would, with quotes, backslashes and newlines in secrets, and hands back the value itself when no secret is in it', () => {
    const tricky = fc.string({ minLength: 6, maxLength: 16, unit: fc.constantFrom('a', 'b', '"', '\\', '\n', '\u2028', 'é', 'x') });
    fc.assert(
      fc.property(fc.array(tricky, { minLength: 1, maxLength: 3 }), fc.jsonValue(), fc.boolean(), (secrets, value, plant) => {
        const vault = new SecretVault();
        for (const x of secrets) vault.remember(x);
        const remembered = vault.values();
        const secret = remembered[0] ?? secrets[0]!;
        const escaped = JSON.stringify(secret).slice(1, -1);
        const input = plant ? { value, held: [`a ${secret} b`, { raw: escaped }] } : { value };
        const out = vault.scrub(input);
        expect(out).toEqual(scrubbedTheLongWay(input, remembered));
        const serialised = JSON.stringify(input);
        if (!remembered.some((x) => [x, JSON.stringify(x).slice(1, -1)].some((f) => serialised.includes(JSON.stringify(f).slice(1, -1)))))
          expect(out).toBe(input);
      }),
      { numRuns: 500 },
    );
  });
});
