import ipaddr from 'ipaddr.js';

/** An SSH session as sshd describes it to its shell: who is connected, to which address and port. */
export interface SshSession {
  client: string;
  server: string;
  port: number;
}

/**
 * `SSH_CONNECTION` ("client client-port server server-port"), addresses unmapped from
 * `::ffff:`; undefined when it is absent or not that shape. harden keeps this path open, doctor
 * names it: one parse for both.
 */
export function parseSshConnection(text: string | undefined): SshSession | undefined {
  const parts = text?.trim().split(/\s+/);
  if (!parts || parts.length !== 4) return undefined;
  const [client, , server, port] = parts as [string, string, string, string];
  if (!ipaddr.isValid(client) || !ipaddr.isValid(server) || !/^\d+$/.test(port)) return undefined;
  return { client: ipaddr.process(client).toString(), server: ipaddr.process(server).toString(), port: Number(port) };
}
