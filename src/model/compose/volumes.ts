/**
 * Short volume syntax "[source:]target[:mode]", read like compose: a Windows drive letter
 * ("C:\data") is part of the path, not a separator; a source that looks like a path is a
 * bind mount, anything else names a volume.
 */

export type VolumeResult = { ok: true; source?: string; target: string; type: string; readOnly: boolean } | { ok: false; message: string };

function splitVolume(spec: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    const next = spec[i + 1];
    const isDriveColon = c === ':' && /^[A-Za-z]$/.test(current) && (next === '\\' || next === '/');
    if (c === ':' && !isDriveColon) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function looksLikePath(source: string): boolean {
  return /^[./~\\]/.test(source) || /^[A-Za-z]:[\\/]/.test(source);
}

export function parseShortVolume(spec: string): VolumeResult {
  const parts = splitVolume(spec);
  if (parts.length > 3) return { ok: false, message: `invalid volume "${spec}": too many ":"` };
  if (parts.length === 1) {
    if (spec === '') return { ok: false, message: 'empty volume' };
    return { ok: true, target: spec, type: 'volume', readOnly: false };
  }
  const [source = '', target = '', mode = ''] = parts;
  if (source === '' || target === '') return { ok: false, message: `invalid volume "${spec}"` };
  const readOnly = mode.split(',').includes('ro');
  return { ok: true, source, target, type: looksLikePath(source) ? 'bind' : 'volume', readOnly };
}
