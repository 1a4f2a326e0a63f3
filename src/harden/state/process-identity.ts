import { readFileSync } from 'node:fs';

/**
 * A PID alone names a process only until it exits: the kernel hands the number to the
 * next process soon after. A PID plus its start time (clock ticks since boot, field 22
 * of /proc/<pid>/stat) names one process for the life of the boot, so we only ever
 * signal a watcher, or treat a lock as held, when both still match.
 */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat, kept as a string: it is only ever compared. */
  startTime: string;
}

interface ProcStat {
  state: string;
  startTime: string;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); field 22 is therefore fields[19].
  const state = fields[0];
  const startTime = fields[19];
  return state && startTime ? { state, startTime } : undefined;
}

export function processIdentity(pid: number): ProcessIdentity | undefined {
  const stat = readStat(pid);
  return stat ? { pid, startTime: stat.startTime } : undefined;
}

/**
 * True while that very process runs. A zombie (Z) or dead (X) process has already exited;
 * a detached watcher whose parent is gone may linger as a zombie when init does not reap.
 */
export function isSameProcessAlive(identity: ProcessIdentity): boolean {
  const stat = readStat(identity.pid);
  return stat !== undefined && stat.startTime === identity.startTime && stat.state !== 'Z' && stat.state !== 'X';
}
