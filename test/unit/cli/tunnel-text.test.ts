import { describe, expect, it } from 'vitest';
import { tunnelFactLines } from '../../../src/cli/commands/tunnel-run.js';
import { checkSshd, locateGateway, parseRemoteFacts } from '../../../src/remote/remote-facts.js';

/**
 * Review B (session 11) finding 14: `tunnel` printed the remote gateway process's name raw, and the
 * remote host's gateway user chooses it (prctl PR_SET_NAME): ESC[8m hid the rest of the operator's
 * line, and `--print`'s comments go into ~/.ssh/config.
 */
describe('tunnel text from what the remote host says', () => {
  it('carries no control character of the remote process name, which stays readable', () => {
    const ss = [
      'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process',
      'LISTEN 0 511 127.0.0.1:18789 0.0.0.0:* users:(("\u001b]0;PWN\u0007\u001b[8m",pid=77,fd=3))',
    ].join('\n');
    const output = ['@@clawmoat facts 1', '@@clawmoat uid 0', '@@clawmoat ss', ss, '@@clawmoat ps', '   77 openclaw gateway run', '@@clawmoat end', ''].join(
      '\n',
    );
    const facts = parseRemoteFacts(output);
    const gateway = locateGateway(facts);
    const lines = tunnelFactLines('root@vps', gateway, checkSshd(facts.sshd, gateway.forwardHost, gateway.port), { port: 18789, same: true });
    expect(lines.join(' ')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(lines[0]).toMatch(/^root@vps: the gateway listens on 127\.0\.0\.1:18789 there \(socket of pid 77 \\x1b\]0;PWN\\x07\\x1b\[8m\): loopback only$/);
  });
});
