import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  activeProfile,
  configCandidates,
  effectiveHome,
  existingLegacyDirs,
  expandUserPath,
  includeRoots,
  resolveStateDir,
} from '../../../src/openclaw/config-paths.js';
import { expectOk, resolveIn, tempDir, write } from './helpers.js';

const H = '/home/alice';

describe('configCandidates', () => {
  it('searches the default then the legacy names when nothing is set', () => {
    expect(configCandidates({ env: {}, homeDir: H })).toEqual([
      { path: `${H}/.openclaw/openclaw.json`, resolvedBy: 'default' },
      { path: `${H}/.openclaw/clawdbot.json`, resolvedBy: 'default (legacy file name)' },
      { path: `${H}/.clawdbot/openclaw.json`, resolvedBy: 'legacy ~/.clawdbot' },
      { path: `${H}/.clawdbot/clawdbot.json`, resolvedBy: 'legacy ~/.clawdbot' },
      { path: `${H}/.moltbot/openclaw.json`, resolvedBy: 'legacy ~/.moltbot' },
      { path: `${H}/.moltbot/moltbot.json`, resolvedBy: 'legacy ~/.moltbot' },
      { path: `${H}/.moldbot/openclaw.json`, resolvedBy: 'legacy ~/.moldbot' },
      { path: `${H}/.moldbot/moldbot.json`, resolvedBy: 'legacy ~/.moldbot' },
      { path: `${H}/.clawdis/openclaw.json`, resolvedBy: 'legacy ~/.clawdis' },
      { path: `${H}/.clawdis/clawdis.json`, resolvedBy: 'legacy ~/.clawdis' },
    ]);
  });

  it('puts OPENCLAW_STATE_DIR first and still falls back to the defaults', () => {
    const c = configCandidates({ env: { OPENCLAW_STATE_DIR: '/srv/oc' }, homeDir: H });
    expect(c.slice(0, 3)).toEqual([
      { path: '/srv/oc/openclaw.json', resolvedBy: 'OPENCLAW_STATE_DIR' },
      { path: '/srv/oc/clawdbot.json', resolvedBy: 'OPENCLAW_STATE_DIR (legacy file name)' },
      { path: `${H}/.openclaw/openclaw.json`, resolvedBy: 'default' },
    ]);
  });

  it('makes OPENCLAW_CONFIG_PATH the only candidate, expanding ~', () => {
    expect(configCandidates({ env: { OPENCLAW_CONFIG_PATH: '~/cfg/oc.json5', OPENCLAW_STATE_DIR: '/srv/oc' }, homeDir: H })).toEqual([
      { path: `${H}/cfg/oc.json5`, resolvedBy: 'OPENCLAW_CONFIG_PATH' },
    ]);
  });

  it('resolves a relative OPENCLAW_CONFIG_PATH against the process working dir', () => {
    expect(configCandidates({ env: { OPENCLAW_CONFIG_PATH: 'conf/oc.json' }, homeDir: H, cwd: '/opt/app' })[0]!.path).toBe('/opt/app/conf/oc.json');
  });

  it('ignores a blank OPENCLAW_CONFIG_PATH, as OpenClaw trims it', () => {
    expect(configCandidates({ env: { OPENCLAW_CONFIG_PATH: '  ' }, homeDir: H })[0]!.resolvedBy).toBe('default');
  });

  it('puts the explicit override above everything', () => {
    expect(configCandidates({ env: { OPENCLAW_CONFIG_PATH: '/a.json' }, homeDir: H, configPathOverride: '/b.json', profile: 'x' })).toEqual([
      { path: '/b.json', resolvedBy: 'explicit path' },
    ]);
  });

  it('replaces HOME with OPENCLAW_HOME for defaults, and says so', () => {
    const c = configCandidates({ env: { OPENCLAW_HOME: '/data/oc' }, homeDir: H });
    expect(c[0]).toEqual({ path: '/data/oc/.openclaw/openclaw.json', resolvedBy: 'default (OPENCLAW_HOME)' });
    expect(c.every((x) => x.path.startsWith('/data/oc/'))).toBe(true);
  });

  it('expands ~ inside OPENCLAW_HOME against the real HOME', () => {
    expect(effectiveHome({ env: { OPENCLAW_HOME: '~/svc' }, homeDir: H })).toBe(`${H}/svc`);
  });

  it('uses the profile dir, and only it', () => {
    expect(configCandidates({ env: {}, homeDir: H, profile: 'work' })).toEqual([{ path: `${H}/.openclaw-work/openclaw.json`, resolvedBy: 'profile work' }]);
  });

  it('maps the profile "default" to ~/.openclaw', () => {
    expect(configCandidates({ env: {}, homeDir: H, profile: 'default' })[0]!.path).toBe(`${H}/.openclaw/openclaw.json`);
  });

  it('uses ~/.openclaw-dev for --dev, and a named profile over --dev', () => {
    expect(configCandidates({ env: {}, homeDir: H, dev: true })).toEqual([{ path: `${H}/.openclaw-dev/openclaw.json`, resolvedBy: '--dev' }]);
    expect(configCandidates({ env: {}, homeDir: H, dev: true, profile: 'p1' })[0]!.path).toBe(`${H}/.openclaw-p1/openclaw.json`);
  });

  it('lets OPENCLAW_STATE_DIR win over a profile, as OpenClaw fills the profile only where unset', () => {
    expect(configCandidates({ env: { OPENCLAW_STATE_DIR: '/srv/x' }, homeDir: H, profile: 'work' })).toEqual([
      { path: '/srv/x/openclaw.json', resolvedBy: 'OPENCLAW_STATE_DIR' },
    ]);
  });

  it('ignores a profile name OpenClaw would refuse', () => {
    expect(activeProfile({ env: {}, homeDir: H, profile: '../etc' })).toBeUndefined();
    expect(configCandidates({ env: {}, homeDir: H, profile: 'a/b' })[0]!.resolvedBy).toBe('default');
  });
});

describe('expandUserPath', () => {
  it.each([
    ['~', '/h'],
    ['~/a/../b', '/h/b'],
    ['/x//y/', '/x/y/'],
    ['rel/p', '/cwd/rel/p'],
  ])('%s -> %s', (input, expected) => {
    expect(expandUserPath(input, '/h', '/cwd')).toBe(expected);
  });
});

describe('includeRoots', () => {
  it('splits on ":", expands ~, drops blanks and duplicates', () => {
    expect(includeRoots({ env: { OPENCLAW_INCLUDE_ROOTS: '/etc/oc: ~/shared ::/etc/oc' }, homeDir: H })).toEqual(['/etc/oc', `${H}/shared`]);
  });

  it('places a relative root only when the working dir is known', () => {
    expect(includeRoots({ env: { OPENCLAW_INCLUDE_ROOTS: 'conf' }, homeDir: H })).toEqual([]);
    expect(includeRoots({ env: { OPENCLAW_INCLUDE_ROOTS: 'conf' }, homeDir: H, cwd: '/w' })).toEqual(['/w/conf']);
  });
});

describe('on disk', () => {
  it('reports which legacy state dirs exist', async () => {
    const home = tempDir();
    write(home, '.clawdbot/clawdbot.json', '{}');
    write(home, '.clawdis/sessions/x', '');
    write(home, '.moltbot', 'a file, not a dir');
    expect(await existingLegacyDirs({ env: {}, homeDir: home })).toEqual([path.join(home, '.clawdbot'), path.join(home, '.clawdis')]);
  });

  it('keeps using ~/.clawdbot as the state dir until ~/.openclaw exists', async () => {
    const home = tempDir();
    expect(await resolveStateDir({ env: {}, homeDir: home })).toBe(path.join(home, '.openclaw'));
    write(home, '.clawdbot/x', '');
    expect(await resolveStateDir({ env: {}, homeDir: home })).toBe(path.join(home, '.clawdbot'));
    write(home, '.openclaw/x', '');
    expect(await resolveStateDir({ env: {}, homeDir: home })).toBe(path.join(home, '.openclaw'));
    expect(await resolveStateDir({ env: {}, homeDir: home, profile: 'w' })).toBe(path.join(home, '.openclaw-w'));
    expect(await resolveStateDir({ env: { OPENCLAW_STATE_DIR: '/s' }, homeDir: home, profile: 'w' })).toBe('/s');
  });

  it('takes the first existing file and names the rule that chose it', async () => {
    const home = tempDir();
    write(home, '.moltbot/moltbot.json', '{gateway: {port: 3}}');
    let r = await resolveIn(home);
    expect(expectOk(r.config)).toMatchObject({ path: path.join(home, '.moltbot/moltbot.json'), resolvedBy: 'legacy ~/.moltbot' });
    expect(r.legacyDirs).toEqual([path.join(home, '.moltbot')]);

    write(home, '.clawdbot/clawdbot.json', '{gateway: {port: 2}}');
    r = await resolveIn(home);
    expect(expectOk(r.config).resolvedBy).toBe('legacy ~/.clawdbot');

    write(home, '.openclaw/openclaw.json', '{gateway: {port: 1}}');
    r = await resolveIn(home);
    const data = expectOk(r.config);
    expect(data.resolvedBy).toBe('default');
    expect(data.value).toEqual({ gateway: { port: 1 } });
    expect(r.candidates[0]).toBe(path.join(home, '.openclaw/openclaw.json'));
  });

  it('prefers OPENCLAW_STATE_DIR, but falls back to the default when it holds no config', async () => {
    const home = tempDir();
    const state = tempDir();
    write(home, '.openclaw/openclaw.json', '{a: "home"}');
    expect(expectOk((await resolveIn(home, { env: { OPENCLAW_STATE_DIR: state } })).config).resolvedBy).toBe('default');
    write(state, 'openclaw.json', '{a: "state"}');
    const data = expectOk((await resolveIn(home, { env: { OPENCLAW_STATE_DIR: state } })).config);
    expect(data).toMatchObject({ resolvedBy: 'OPENCLAW_STATE_DIR', value: { a: 'state' } });
  });

  it('does not fall back when OPENCLAW_CONFIG_PATH names a missing file', async () => {
    const home = tempDir();
    write(home, '.openclaw/openclaw.json', '{}');
    const r = await resolveIn(home, { env: { OPENCLAW_CONFIG_PATH: path.join(home, 'nope.json') } });
    expect(r.candidates).toEqual([path.join(home, 'nope.json')]);
    expect(r.config).toMatchObject({ status: 'unavailable', reason: 'not-found' });
  });

  it('says not-found, listing what it looked for, when there is no config anywhere', async () => {
    const home = tempDir();
    const r = await resolveIn(home);
    expect(r.config.status).toBe('unavailable');
    if (r.config.status !== 'unavailable') return;
    expect(r.config.reason).toBe('not-found');
    expect(r.config.detail).toContain(path.join(home, '.openclaw/openclaw.json'));
    expect(r.config.detail).toContain(path.join(home, '.clawdis/clawdis.json'));
    expect(r.legacyDirs).toEqual([]);
  });

  it('reports a config path that is a directory as an error, not as missing', async () => {
    const home = tempDir();
    write(home, '.openclaw/openclaw.json/inner', '');
    const r = await resolveIn(home);
    expect(r.config).toMatchObject({ status: 'unavailable', reason: 'error' });
  });
});
