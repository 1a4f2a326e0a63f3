import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/cli-bundle.js';

/**
 * What `npm pack` makes is a library too: a scratch project imports it by name, as an ES module
 * with types, and uses it end to end on the README's snapshot. Dependencies come from this
 * repo's node_modules (no registry is asked).
 */

const scratch = mkdtempSync(join(tmpdir(), 'clawmoat-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the packed package', () => {
  it('imports by name with types, and audits a snapshot', () => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    )[0];
    const files = (packed.files as { path: string }[]).map((f) => f.path);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    // The startup snapshot's bundle and its builder too (src/startup/).
    for (const file of [
      pkg.bin.clawmoat,
      pkg.bin['clawmoat-startup-snapshot'],
      'dist/clawmoat-snapshot.cjs',
      pkg.main,
      pkg.types,
      'dist/probe-agent.mjs',
      'dist/fleet-worker.mjs',
    ])
      expect(files).toContain(file);

    const modules = join(scratch, 'node_modules');
    mkdirSync(join(modules, 'clawmoat'), { recursive: true });
    execFileSync('tar', ['-xzf', join(scratch, packed.filename), '-C', join(modules, 'clawmoat'), '--strip-components=1']);
    for (const dep of [...Object.keys(pkg.dependencies), '@types/node']) {
      mkdirSync(join(modules, dep, '..'), { recursive: true });
      symlinkSync(join(REPO, 'node_modules', dep), join(modules, dep));
    }
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', type: 'module', private: true }));
    writeFileSync(
      join(scratch, 'use.ts'),
      `import { readSnapshot, auditSnapshot, reachMatrix, renderReport, exitCodeFor, type Report } from 'clawmoat';
const snapshot = await readSnapshot(process.argv[2]!);
const report: Report = auditSnapshot(snapshot);
const matrix = reachMatrix(snapshot);
process.stdout.write(JSON.stringify({ code: exitCodeFor(report, 'critical'), cells: matrix.cells.length, text: renderReport(report, 'text').split('\\n')[0] }));
`,
    );
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          outDir: 'out',
          types: ['node'],
          skipLibCheck: false,
        },
      }),
    );
    execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', scratch], { cwd: scratch, encoding: 'utf8' });
    const out = JSON.parse(
      execFileSync(process.execPath, [join(scratch, 'out/use.js'), join(REPO, 'test/fixtures/readme/host.json')], { cwd: scratch, encoding: 'utf8' }),
    );
    expect(out).toEqual({ code: 1, cells: expect.any(Number), text: expect.stringContaining('host gw') });
    expect(out.cells).toBeGreaterThan(0);
  }, 120_000);
});
