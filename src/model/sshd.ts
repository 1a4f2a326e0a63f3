import type { Snapshot } from '../snapshot/types.js';

/** The ports sshd serves, where that came from, and a sentence that keeps "configured" and "listens" apart. */
export interface SshPorts {
  ports: number[];
  source: string;
  text: string;
}

/**
 * Every port sshd serves: its effective config (default 22) plus the sockets sshd holds.
 * `text` keeps the two apart: "configured for" comes from `sshd -T` (or sshd_config), "listens
 * on" from the sockets, and it says which, so nothing that does not listen is said to.
 */
export function sshPorts(ctx: { snapshot: Snapshot }): SshPorts {
  const ports = new Set<number>();
  const sources: string[] = [];
  const configured: number[] = [];
  let configText: string;
  const sshd = ctx.snapshot.sshd;
  if (sshd.status === 'ok' && sshd.data.effective.status === 'ok') {
    for (const p of sshd.data.effective.data.port ?? []) if (Number(p) > 0) configured.push(Number(p));
    const from = sshd.data.source === 'config-files' ? 'sshd_config' : 'sshd -T';
    if (configured.length > 0) sources.push(from);
    else {
      configured.push(22);
      sources.push('sshd_config sets no Port: the default 22');
    }
    configText = `sshd is configured for port ${configured.join(', ')} (${sources[0]})`;
  } else configText = sshd.status === 'ok' || sshd.reason !== 'not-installed' ? "sshd's configuration could not be read" : 'sshd is not installed';
  for (const p of configured) ports.add(p);
  const socketsRead = ctx.snapshot.sockets;
  const sockets = socketsRead.status === 'ok' ? socketsRead.data : [];
  // Only root's own sshd holds sshd's sockets: any user can run a binary named sshd on a port of its
  // choosing, which harden would then keep open for SSH. (Snapshots from before the collector
  // verified sshd's processes have no list: the name decides there, as it did.)
  const verified = sshd.status === 'ok' && sshd.data.verifiedPids ? new Set(sshd.data.verifiedPids) : undefined;
  const named = sockets.filter((s) => s.protocol === 'tcp' && s.process === 'sshd');
  const isSshd = (s: (typeof named)[number]): boolean => !verified || (s.pid !== undefined && verified.has(s.pid));
  const listening = [...new Set(named.filter(isSshd).map((s) => s.port))].sort((a, b) => a - b);
  const impostors = named.filter((s) => !isSshd(s));
  for (const port of listening) {
    if (!ports.has(port)) {
      ports.add(port);
      if (!sources.includes('sshd sockets')) sources.push('sshd sockets');
    }
  }
  let listenText: string;
  if (socketsRead.status !== 'ok') listenText = 'whether it listens is unknown (the sockets could not be read)';
  else if (listening.length > 0) listenText = `sshd listens on ${listening.join(', ')} (its sockets)`;
  else {
    const ownerless = sockets.filter((s) => s.protocol === 'tcp' && s.pid === undefined && configured.includes(s.port)).map((s) => s.port);
    listenText =
      ownerless.length > 0
        ? `something listens on ${[...new Set(ownerless)].join(', ')}, owner not visible (run as root to see it is sshd)`
        : 'no sshd socket is listening';
  }
  if (impostors.length > 0) {
    const which = [...new Set(impostors.map((s) => `${s.port} (pid ${s.pid ?? '?'})`))].join(', ');
    listenText += `; a process named sshd that is not root's sshd binary listens on ${which}: not counted`;
  }
  if (ports.size === 0) {
    ports.add(22);
    sources.push('the default port (sshd config not readable)');
  }
  return { ports: [...ports].sort((a, b) => a - b), source: sources.join(' and '), text: `${configText}; ${listenText}` };
}
