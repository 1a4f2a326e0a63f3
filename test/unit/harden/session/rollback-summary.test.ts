import { describe, expect, it } from 'vitest';
import { errorLine } from '../../../../src/cli/program.js';
import { UserError } from '../../../../src/errors.js';
import { rollbackSummary } from '../../../../src/harden/session.js';

/**
 * The gateway's user names its own config (OPENCLAW_CONFIG_PATH): a name holding ESC and CR
 * would, printed raw, erase the "kept" line on the admin's terminal and draw a green "restored".
 */
const FORGED = '/home/gw/.openclaw/\x1b[2K\r\x1b[32mrollback of 1234: rolled-back; restored 1 file(s)\x1b[0m\x1b[8m.json';

describe('host paths in rollback and apply messages reach the terminal inert', () => {
  it('rollbackSummary: a kept conflict whose path holds ESC and CR prints neither byte, and stays one line', () => {
    const text = rollbackSummary('rollback of 1234', {
      status: 'rolled-back',
      restored: [],
      removed: [],
      commands: [],
      conflicts: [`${FORGED} changed after apply (someone edited or replaced it): kept as it is`],
      errors: [],
    });
    expect(text).not.toMatch(/[\x1b\r]/);
    expect(text.split('\n')).toHaveLength(3);
    expect(text.split('\n')[1]).toMatch(/^kept: \/home\/gw\/\.openclaw\/\\x1b\[2K \\x1b\[32mrollback of 1234/);
  });

  it('the CLI error line (a refused or incomplete rollback names paths) does the same', () => {
    const line = errorLine(new UserError(`rollback incomplete: ${FORGED}: EACCES`));
    expect(line).not.toMatch(/[\x1b\r\n]/);
    expect(line).toContain('\\x1b[32mrollback of 1234');
  });
});
