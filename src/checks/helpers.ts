import type { Collected, SourceLocation } from '../snapshot/types.js';
import type { Evidence } from './types.js';

/** Small shared pieces for check files. */

export function unavailableReason(source: string, collected: Collected<unknown>): string | undefined {
  return collected.status === 'ok' ? undefined : `${source} could not be read: ${collected.detail}`;
}

export function fileEvidence(text: string, location?: SourceLocation): Evidence {
  return location ? { kind: 'file', text, location } : { kind: 'config', text };
}

export function formatLocation(location?: SourceLocation): string {
  if (!location) return '';
  return location.column ? `${location.file}:${location.line}:${location.column}` : `${location.file}:${location.line}`;
}
