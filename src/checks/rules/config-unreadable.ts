import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { shellWord } from '../../model/shell-word.js';

export const configUnreadable: Check = {
  meta: {
    id: 'config.unreadable',
    title: 'The OpenClaw config parses',
    severity: 'warn',
    guide: GUIDE.config,
    docs:
      'Resolves the config the way OpenClaw does (OPENCLAW_CONFIG_PATH, OPENCLAW_STATE_DIR, OPENCLAW_HOME, profiles, ' +
      'legacy clawdbot/moltbot paths, JSON5, `$include`, `${VAR}`) and fails when it cannot be parsed, naming the file, ' +
      'line and column. OpenClaw refuses to start on such a file, and every config-based check is blind until it is fixed.',
    fixable: false,
    inputs: ['openclaw'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['JSON5 syntax error', 'permission denied'],
      passes: ['no config (skipped)', 'config parsed'],
    },
  },
  evaluate(ctx) {
    const config = ctx.snapshot.openclaw.config;
    if (config.status === 'ok')
      return { result: 'pass', reason: `${config.data.path} (${config.data.files.length} file${config.data.files.length === 1 ? '' : 's'})` };
    if (config.status === 'unavailable') {
      if (config.reason === 'not-found') return { result: 'skipped', reason: 'no OpenClaw config on this host' };
      return {
        result: 'fail',
        findings: [
          {
            status: 'fail',
            message: `The OpenClaw config could not be read: ${config.detail}.`,
            evidence: [{ kind: 'file', text: config.detail }],
            remediation: {
              summary: 'Run clawmoat as the gateway user or as root so the config can be read.',
              steps: ['sudo clawmoat audit'],
              automatic: false,
            },
          },
        ],
      };
    }
    const { error } = config;
    const where = `${error.file}${error.line ? `:${error.line}` : ''}${error.column ? `:${error.column}` : ''}`;
    // The path is the gateway user's choice (OPENCLAW_CONFIG_PATH, $include): one quoted word, or not in the command at all.
    const file = shellWord(error.file);
    const line = error.line ?? 1;
    const edit = file ? `$EDITOR ${file} +${line}` : `open the config file named in the evidence (its name holds control characters) at line ${line}`;
    const location = { file: error.file, line: error.line ?? 1, ...(error.column ? { column: error.column } : {}) };
    return {
      result: 'fail',
      findings: [
        {
          status: 'fail',
          message: `${where}: ${error.message}`,
          evidence: [{ kind: 'file', text: `${where}: ${error.message}`, location }],
          remediation: {
            summary: `Fix the file at ${where}; OpenClaw will not start until it parses.`,
            steps: [edit, 'openclaw config validate'],
            automatic: false,
          },
          location,
        },
      ],
    };
  },
};
