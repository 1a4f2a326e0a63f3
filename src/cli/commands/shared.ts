import type { Command } from 'commander';

export interface CollectFlags {
  compose?: string[];
  ufwStatus?: boolean;
  openclawConfig?: string;
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Flags that shape what is read from the host; shared by collect and every analysing command. */
export function collectOptions(command: Command): Command {
  return command
    .option('--compose <file>', 'a docker compose file to check (repeatable; default: compose files in the working directory)', collectList)
    .option('--openclaw-config <path>', 'the OpenClaw config to read (default: resolved like OpenClaw does)')
    .option('--ufw-status', 'also run `ufw status verbose` (slower; needs root)');
}
