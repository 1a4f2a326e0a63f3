import { binary } from '../../support/binaries.js';
import type { Netns } from './netns.js';
import type { PrivateEtc } from './private-mounts.js';
import type { RunResult } from './proc.js';

/**
 * Real UFW acting on one namespace's netfilter tables and on the private copies of its
 * files. Its rules vanish with the namespace; its files with the PrivateEtc.
 */
export class Ufw {
  constructor(
    private readonly ns: Netns,
    private readonly etc: PrivateEtc,
  ) {}

  run(...args: string[]): Promise<RunResult> {
    return this.etc.exec(this.ns, binary('ufw'), args);
  }

  async enable(): Promise<void> {
    await this.run('--force', 'enable');
  }

  async disable(): Promise<void> {
    await this.run('disable');
  }

  async defaultDenyIncoming(): Promise<void> {
    await this.run('default', 'deny', 'incoming');
  }

  async allow(rule: string): Promise<void> {
    await this.run('allow', ...rule.split(' '));
  }

  async status(): Promise<string> {
    return (await this.run('status', 'verbose')).stdout;
  }
}
