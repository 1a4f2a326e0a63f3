import type { CheckCases } from '../../../../src/checks/types.js';

/** configUnreadable: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no config', snapshot: (s) => s, result: 'skipped' },
    {
      name: 'config parsed',
      snapshot: (s) => ({
        ...s,
        openclaw: {
          ...s.openclaw,
          config: {
            status: 'ok',
            data: { path: '/h/.openclaw/openclaw.json', resolvedBy: 'default', files: ['/h/.openclaw/openclaw.json'], value: {}, locations: {}, warnings: [] },
          },
        },
      }),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'JSON5 syntax error',
      snapshot: (s) => ({
        ...s,
        openclaw: {
          ...s.openclaw,
          config: {
            status: 'invalid',
            path: '/h/.openclaw/openclaw.json',
            resolvedBy: 'default',
            error: { file: '/h/.openclaw/openclaw.json', line: 7, column: 12, message: "invalid character '}'" },
          },
        },
      }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['/h/.openclaw/openclaw.json:7:12'],
    },
    {
      name: 'permission denied',
      snapshot: (s) => ({
        ...s,
        openclaw: {
          ...s.openclaw,
          config: { status: 'unavailable', reason: 'permission-denied', detail: '/h/.openclaw/openclaw.json is not readable (permission denied)' },
        },
      }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['permission denied'],
    },
  ],
};
