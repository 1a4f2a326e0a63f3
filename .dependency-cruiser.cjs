/**
 * The layers of clawmoat, enforced (`npm run lint:deps`, part of `npm test`). See
 * docs/architecture.md. Arrows point the one way data flows:
 *
 *   errors, safe-fs, version            leaves: no clawmoat imports but each other
 *   snapshot                            the contract between the two halves
 *   collect, openclaw (file side)       the only code that reads the host
 *   netfilter                           the neutral ruleset model and simulator (pure)
 *   model                               facts derived from a snapshot (pure)
 *   checks                              the guide's checklist over the model (pure)
 *   report                              renderers of results (pure)
 *   probe, harden, remote, doctor       act on a host, through a plan
 *   cli                                 options and one call; nothing imports it
 *   startup                             the CLI's startup snapshot (its entry loads the CLI); nothing imports it
 */
const layer = (name, forbidden, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: `^src/${name}(/|\\.ts$)` },
  // The result types of probe and harden are leaves any layer may name (Tailscale's rule: types in leaf packages).
  to: { path: `^src/(${forbidden.join('|')})(/|\\.ts$)`, pathNot: TYPE_LEAVES },
});

const TYPE_LEAVES = '^src/(probe|harden|fleet)/types\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'type-leaves-stay-leaves',
      severity: 'error',
      comment: 'probe/types.ts, harden/types.ts and fleet/types.ts are imported by every layer: they may only name types.',
      from: { path: TYPE_LEAVES },
      // Other layers' types files are fine (a fleet report names a check's Severity); their code is not.
      to: { path: '^src/(collect|checks|report|probe|harden|remote|doctor|cli)/', pathNot: `${TYPE_LEAVES}|/types\\.ts$` },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules are one: merge them or move the shared fact down.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'cli-is-the-top',
      severity: 'error',
      comment: 'Only the CLI entry (or the startup snapshot of it) may import the CLI.',
      from: { path: '^src/(?!cli/|startup/)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'startup-is-above-the-cli',
      severity: 'error',
      comment: 'The startup snapshot loads the CLI; the CLI knows nothing of it.',
      from: { path: '^src/(?!startup/)' },
      to: { path: '^src/startup/' },
    },
    layer('errors', ['(?!errors)[a-z-]+'], 'errors.ts is a leaf.'),
    layer('safe-fs', ['(?!safe-fs|errors)[a-z-]+'], 'safe-fs reads and writes files; it knows nothing of what is in them.'),
    layer(
      'snapshot',
      ['collect', 'model', 'netfilter', 'checks', 'report', 'probe', 'harden', 'remote', 'doctor', 'cli'],
      'The snapshot is data: it depends on nothing above it.',
    ),
    layer(
      'collect',
      ['model', 'checks', 'report', 'probe', 'harden', 'remote', 'doctor', 'cli'],
      'Collectors read the host into a snapshot; they do not analyse.',
    ),
    layer(
      'netfilter',
      ['collect', 'model', 'checks', 'report', 'probe', 'harden', 'remote', 'doctor', 'cli'],
      'The netfilter model is pure and vendor-neutral.',
    ),
    layer('model', ['collect', 'checks', 'report', 'probe', 'harden', 'remote', 'doctor', 'cli'], 'The model derives facts from a snapshot, purely.'),
    layer('checks', ['collect', 'report', 'probe', 'harden', 'remote', 'doctor', 'cli'], 'Checks judge the model; they do not render or act.'),
    layer('report', ['collect', 'harden', 'remote', 'doctor', 'fleet', 'cli'], 'Renderers turn results into text; they do not act.'),
    layer('fleet', ['collect', 'probe', 'harden', 'remote', 'doctor', 'cli'], 'A fleet is many snapshots audited: it reads files and reports, never a host.'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|bench|scripts|dist)/' },
  },
};
