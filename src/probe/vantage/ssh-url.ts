import net from 'node:net';
import { UserError } from '../../errors.js';

/** `--via ssh://user@host[:port]`, checked without loading the prober: the CLI refuses a bad one before reading the host. */

export interface SshDestination {
  user?: string;
  host: string;
  port?: number;
  /** As given, for the report: ssh://user@host:port. */
  name: string;
}

export function parseSshUrl(text: string): SshDestination {
  // A password in the URL is never used, and never repeated back (the error would print it).
  if (/^ssh:\/\/[^@/\s]*:[^@/\s]*@/.test(text) && !/^ssh:\/\/\[/.test(text)) {
    throw new UserError(
      '--via: the ssh:// URL carries a password, which clawmoat never sends: give ssh://user@host[:port] and a key (ssh-agent or ~/.ssh/config)',
    );
  }
  const match = /^ssh:\/\/(?:([^@/:\s]+)@)?(\[[^\]\s/@]+\]|[^:/@\s\[\]]+)(?::(\d+))?\/?$/.exec(text);
  if (!match) throw new UserError(`--via ${text}: expected ssh://[user@]host[:port]`);
  const user = match[1];
  const bracketed = match[2]!.startsWith('[');
  const host = match[2]!.replace(/^\[|\]$/g, '');
  // ssh would read a leading "-" as an option (-oProxyCommand=… runs a command here).
  if (user?.startsWith('-')) throw new UserError(`--via ${text}: "${user}" is not a user name`);
  if (bracketed ? !net.isIPv6(host.replace(/%[A-Za-z0-9_.-]+$/, '')) : !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(host)) {
    throw new UserError(`--via ${text}: "${host}" is not a host name or address`);
  }
  const destination: SshDestination = { host, name: text.replace(/\/$/, '') };
  if (user) destination.user = user;
  if (match[3]) {
    const port = Number(match[3]);
    if (port < 1 || port > 65535) throw new UserError(`--via ${text}: ${match[3]} is not a port number (1-65535)`);
    destination.port = port;
  }
  return destination;
}
