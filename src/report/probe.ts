import pc from 'picocolors';
import type { ProbeReport, ProbeResult } from '../probe/types.js';
import { hostPort } from '../model/addresses.js';
import { sanitize as s } from './common.js';

/**
 * The probe as a person reads it: one table per vantage point, then every mismatch with its path.
 * The probed server chooses much of it (a WebSocket close reason, an error message, a version), and
 * any local user may own the listener: every such string goes through `s` (sanitize).
 */
export function renderProbeReport(report: ProbeReport, options: { color: boolean }): string {
  const c = pc.createColors(options.color);
  const lines: string[] = [];
  for (const v of report.vantages) {
    const rows = report.results.filter((r) => r.vantage === v.name);
    lines.push(c.bold(`from ${s(v.name)}${v.zone ? ` (compared with reach from ${s(v.zone)})` : ''}: ${rows.length} target(s)`));
    const table = rows.map((r) => [endpoint(r), observed(r, c), s(r.predicted ?? '—'), gatewayText(r), s(r.listener?.process ?? '')]);
    const widths = [0, 1, 2, 3].map((i) => Math.max(...table.map((row) => strip(row[i]!).length), ['TARGET', 'OBSERVED', 'PREDICTED', 'OPENCLAW'][i]!.length));
    lines.push(`  ${['TARGET', 'OBSERVED', 'PREDICTED', 'OPENCLAW'].map((h, i) => h.padEnd(widths[i]!)).join('  ')}  PROCESS`);
    for (const [i, row] of table.entries()) {
      const mark = rows[i]!.mismatch ? c.red(' ✗ mismatch') : '';
      lines.push(
        `  ${row
          .slice(0, 4)
          .map((cell, j) => cell + ' '.repeat(Math.max(0, widths[j]! - strip(cell).length)))
          .join('  ')}  ${row[4]}${mark}`,
      );
    }
    lines.push('');
  }
  const mismatches = report.results.filter((r) => r.mismatch);
  if (mismatches.length > 0) {
    lines.push(c.red(c.bold(`${mismatches.length} mismatch(es): the reach model said otherwise; it is missing something about this host`)));
    for (const r of mismatches) {
      lines.push(s(`  ${r.vantage} → ${endpoint(r)}: observed ${r.observed}, predicted ${r.predicted} (${r.prediction?.zone}): ${r.prediction?.reason}`));
      for (const step of r.prediction?.path ?? []) lines.push(`      ${s(step)}`);
    }
    lines.push('  Please report it with `clawmoat collect` output: https://github.com/clawmoat/clawmoat/issues');
    lines.push('');
  }
  for (const r of report.results.filter((x) => x.openclaw.detected)) {
    lines.push(`${endpoint(r)} from ${s(r.vantage)}: ${gatewayText(r)}`);
    if (r.door) lines.push(`    ${throughDoor(r)}`);
    for (const e of r.openclaw.evidence) lines.push(`    ${s(e)}`);
  }
  for (const e of report.errors) lines.push(c.red(s(`${e.vantage}: ${e.message}`)));
  for (const n of report.notes) lines.push(c.dim(`note: ${s(n)}`));
  return `${lines.join('\n').trimEnd()}\n`;
}

function endpoint(r: ProbeResult): string {
  return s(hostPort(r.address, r.port));
}

function observed(r: ProbeResult, c: ReturnType<typeof pc.createColors>): string {
  if (r.observed === 'open') return c.yellow('open');
  if (r.observed === 'error') return c.red(`error: ${s(r.detail ?? '')}`);
  return r.observed;
}

function gatewayText(r: ProbeResult): string {
  const o = r.openclaw;
  if (r.observed !== 'open') return '';
  if (!o.detected) return 'not OpenClaw';
  return `${productName(o.product)} ${s(o.version ?? '(version unknown)')}, auth ${s(o.auth)}`;
}

function productName(product: ProbeResult['openclaw']['product']): string {
  return product === 'clawdbot' ? 'Clawdbot' : product === 'moltbot' ? 'Moltbot' : 'OpenClaw';
}

/** "OpenClaw 2026.9.6 answered on 443 through nginx (/etc/nginx/sites-enabled/openclaw:5)", with the hop. */
export function throughDoor(r: ProbeResult): string {
  const door = r.door!;
  const o = r.openclaw;
  const name = productName(o.product);
  const where = door.location ? ` (${door.location.file}:${door.location.line})` : '';
  const tls = o.tls ? `, over TLS${o.tls.servername ? ` (SNI ${o.tls.servername})` : ''}` : '';
  return s(`${name}${o.version ? ` ${o.version}` : ''} answered on ${r.port} through ${door.name}${where}${tls}: ${door.via} → ${door.upstream}`);
}

/** Width without ANSI colour codes. */
function strip(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
