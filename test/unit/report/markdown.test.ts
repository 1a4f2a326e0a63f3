import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { CONFIG_PATH, sampleReport } from './sample.js';

/** The rows of the checks table, each split into cells on unescaped pipes. */
function tableRows(md: string): string[][] {
  const lines = md.split('\n');
  const header = lines.findIndex((l) => l.startsWith('| Result |'));
  expect(header).toBeGreaterThanOrEqual(0);
  expect(lines[header + 1]).toMatch(/^\|(---\|)+$/);
  const rows: string[][] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

describe('renderMarkdown', () => {
  it('has one table row per check, six cells each', () => {
    const report = sampleReport();
    const rows = tableRows(renderMarkdown(report));
    expect(rows).toHaveLength(report.checks.length);
    for (const row of rows) expect(row).toHaveLength(6);
    expect(rows[0]).toEqual(['✖ fail', 'gateway.bind.public', 'Gateway listens on a public address', 'critical', 'Bind to localhost only', '']);
    expect(rows[3]![0]).toBe('– skipped');
    expect(rows[3]![5]).toBe('Docker is not running');
  });

  it('escapes pipes and backticks in table cells', () => {
    const report = sampleReport();
    report.checks[0]!.title = 'a | b `c` d';
    report.checks[1]!.reason = 'x|y\nz';
    const rows = tableRows(renderMarkdown(report));
    expect(rows).toHaveLength(report.checks.length);
    for (const row of rows) expect(row).toHaveLength(6);
    expect(rows[0]![2]).toBe('a \\| b \\`c\\` d');
    expect(rows[1]![5]).toBe('x\\|y z');
  });

  it('has a section per finding with evidence and fix in code blocks', () => {
    const report = sampleReport();
    const md = renderMarkdown(report);
    const sections = md.split('\n').filter((l) => l.startsWith('### '));
    expect(sections).toHaveLength(report.findings.length);
    expect(sections[0]).toBe('### ✖ gateway.bind.public: Gateway listens on a public address (critical, fail)');
    expect(sections[1]).toContain('firewall.none');
    expect(sections[1]).toContain('unknown');
    expect(md).toContain(['```text', 'socket: tcp 0.0.0.0:18789 (pid 4242 node)', `config: gateway.bind = "lan" (${CONFIG_PATH}:7:5)`, '```'].join('\n'));
    expect(md).toContain(['```sh', 'openclaw config set gateway.bind loopback', 'systemctl --user restart openclaw-gateway', '```'].join('\n'));
  });

  it('lengthens the fence when evidence contains backticks', () => {
    const report = sampleReport();
    report.findings[0]!.evidence = [{ kind: 'file', text: 'a ``` b ```` c' }];
    const md = renderMarkdown(report);
    // The finding's own location has no evidence left to carry it, so it gets an "at" line.
    expect(md).toContain(`\`\`\`\`\`text\nat ${CONFIG_PATH}:7:5\nfile: a \`\`\` b \`\`\`\` c\n\`\`\`\`\``);
  });

  it('escapes HTML and Markdown in prose', () => {
    const report = sampleReport();
    report.findings[0]!.message = '<script>alert(1)</script> *bold* [link](x)';
    const md = renderMarkdown(report);
    expect(md).not.toContain('<script>');
    expect(md).toContain('\\<script\\>alert(1)\\</script\\> \\*bold\\* \\[link\\](x)');
  });

  it('lists the limitations and the summary', () => {
    const md = renderMarkdown(sampleReport());
    expect(md).toContain(
      '## Limitations\n\nWhat could not be read or understood:\n\n- iptables-save: permission denied (run as root)\n- docker: not running\n',
    );
    expect(md).toContain('**Summary:** 1 pass · 2 fail · 1 unknown · 1 skipped');
  });

  it('has no findings section when nothing was found', () => {
    const report = sampleReport();
    report.findings = [];
    report.limitations = [];
    const md = renderMarkdown(report);
    expect(md).not.toContain('## Findings');
    expect(md).not.toContain('## Limitations');
    expect(md.endsWith('|\n')).toBe(true);
  });
});
