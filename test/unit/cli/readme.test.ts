import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../../src/checks/catalogue.js';
import { readmeHost } from '../../fixtures/readme/host.js';
import { bundleCli, REPO } from '../../support/cli-bundle.js';
// @ts-expect-error: a plain ES module of the repo's scripts, without types.
import { marked, renderChecksTable, renderSample, SAMPLE_ARGS, SAMPLE_SNAPSHOT } from '../../../scripts/readme-lib.mjs';

/** The README is true: its generated parts are what the scripts produce from the sources now. */

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
let bundle: ReturnType<typeof bundleCli>;

beforeAll(() => {
  bundle = bundleCli();
}, 60_000);
afterAll(() => bundle?.dispose());

describe('README.md', () => {
  it('the sample snapshot is test/fixtures/readme/host.ts (CLAWMOAT_UPDATE_FIXTURES=1 rewrites it)', () => {
    const path = join(REPO, SAMPLE_SNAPSHOT as string);
    const expected = `${JSON.stringify(readmeHost(), null, 2)}\n`;
    if (process.env.CLAWMOAT_UPDATE_FIXTURES === '1') writeFileSync(path, expected);
    expect(readFileSync(path, 'utf8')).toBe(expected);
  });

  it('the sample output is a real run of the CLI on that snapshot (`node scripts/readme.mjs` after `npm run build`)', () => {
    let output: string;
    try {
      output = execFileSync(process.execPath, [bundle.cli, ...(SAMPLE_ARGS as string[])], {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    } catch (error) {
      const e = error as { status: number; stdout: string };
      expect(e.status).toBe(1);
      output = e.stdout;
    }
    expect(marked(readme, 'readme:sample')).toBe(renderSample(output));
  });

  it('the checks table lists every check of the catalogue (`npm run docs`)', () => {
    expect(marked(readme, 'readme:checks')).toBe(renderChecksTable(CHECKS));
    for (const check of CHECKS) expect(readme).toContain(`\`${check.meta.id}\``);
  });

  it('keeps the quick start the before-stop hook looks for', () => {
    expect(readme).toContain('npx clawmoat audit');
    expect(readme).toContain('npm test');
  });

  it('package.json points main, types and exports at files the build makes, and the bin at the bundle', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    // The bundle doubles as the launcher; clawmoat-startup-snapshot builds the blob it starts from (src/startup/).
    expect(pkg.bin).toEqual({ clawmoat: 'dist/clawmoat.mjs', 'clawmoat-startup-snapshot': 'dist/startup-build.mjs' });
    expect(pkg.main).toBe('dist/index.js');
    expect(pkg.types).toBe('dist/index.d.ts');
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    // tsc -p tsconfig.build.json turns src/index.ts into dist/index.js and dist/index.d.ts.
    expect(readFileSync(join(REPO, 'src/index.ts'), 'utf8')).toContain('export');
  });
});
