import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../../src/report/junit.js';
import type { Report } from '../../../src/report/types.js';
import { CONFIG_PATH, sampleReport } from './sample.js';
import { elements, parseXml, textOf, type XmlElement } from './xml-check.js';

function suite(xml: string): XmlElement {
  const root = parseXml(xml);
  expect(root.name).toBe('testsuites');
  const suites = elements(root, 'testsuite');
  expect(suites).toHaveLength(1);
  return suites[0]!;
}

function testcase(root: XmlElement, checkId: string): XmlElement {
  const found = elements(root, 'testcase').filter((t) => t.attrs.name?.startsWith(`${checkId}: `));
  expect(found, checkId).toHaveLength(1);
  return found[0]!;
}

describe('the XML checker itself', () => {
  it.each([
    ['a raw ampersand', '<a>&</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['< in an attribute', '<a b="<"/>'],
    ['an unquoted attribute', '<a b=c/>'],
    ['mismatched tags', '<a></b>'],
    ['an unclosed tag', '<a><b></a>'],
    ['two roots', '<a/><b/>'],
    ['a control character', '<a>\u0001</a>'],
    ['a reference to a control character', '<a>&#1;</a>'],
    ['a lone surrogate', '<a>\ud800</a>'],
    [']]> in text', '<a>]]></a>'],
    ['a duplicate attribute', '<a b="1" b="2"/>'],
  ])('rejects %s', (_name, xml) => {
    expect(() => parseXml(xml)).toThrow();
  });

  it('reads back escaped text and attributes', () => {
    const el = parseXml('<?xml version="1.0"?>\n<a b="x&amp;&#10;y">&lt;&#x41;&gt;<c/></a>');
    expect(el.attrs.b).toBe('x&\ny');
    expect(textOf(el)).toBe('<A>');
  });
});

describe('renderJunit', () => {
  it('has one testsuite "clawmoat audit" with one testcase per check and the right counts', () => {
    const report = sampleReport();
    const s = suite(renderJunit(report));
    expect(s.attrs.name).toBe('clawmoat audit');
    expect(elements(s, 'testcase')).toHaveLength(report.checks.length);
    expect(s.attrs).toMatchObject({ tests: '5', failures: '2', errors: '1', skipped: '1' });
    expect(elements(s, 'failure')).toHaveLength(2);
    expect(elements(s, 'error')).toHaveLength(1);
    expect(elements(s, 'skipped')).toHaveLength(1);
  });

  it('names each testcase "<id>: <title>" under its guide section', () => {
    const s = suite(renderJunit(sampleReport()));
    const tc = testcase(s, 'gateway.bind.public');
    expect(tc.attrs.classname).toBe('Bind to localhost only');
    expect(tc.attrs.name).toBe('gateway.bind.public: Gateway listens on a public address');
  });

  it('puts a fail in <failure type=severity> with evidence and fix in the body', () => {
    const s = suite(renderJunit(sampleReport()));
    const failure = elements(testcase(s, 'gateway.bind.public'), 'failure')[0]!;
    expect(failure.attrs.type).toBe('critical');
    expect(failure.attrs.message).toContain('0.0.0.0:18789');
    const body = textOf(failure);
    expect(body).toContain(`${CONFIG_PATH}:7:5`);
    expect(body).toContain('socket: tcp 0.0.0.0:18789 (pid 4242 node)');
    expect(body).toContain('openclaw config set gateway.bind loopback');
    expect(elements(testcase(s, 'ssh.password_auth'), 'failure')[0]!.attrs.type).toBe('warn');
  });

  it('makes unknown an <error>, skipped a <skipped message=reason>, and pass an empty testcase', () => {
    const s = suite(renderJunit(sampleReport()));
    const unknown = testcase(s, 'firewall.none');
    expect(elements(unknown, 'error')).toHaveLength(1);
    expect(elements(unknown, 'failure')).toHaveLength(0);
    expect(elements(testcase(s, 'docker.publish.public'), 'skipped')[0]!.attrs.message).toBe('Docker is not running');
    expect(testcase(s, 'gateway.bind.drift').children).toHaveLength(0);
  });

  it('escapes markup in titles, messages and evidence', () => {
    const report = sampleReport();
    report.checks[0]!.title = 'a <b> & "c" \'d\' ]]> e';
    report.findings[0]!.evidence[0]!.text = '</failure></testcase><injected/>';
    const xml = renderJunit(report);
    expect(xml).not.toContain('<injected/>');
    const s = suite(xml);
    expect(testcase(s, 'gateway.bind.public').attrs.name).toBe('gateway.bind.public: a <b> & "c" \'d\' ]]> e');
    expect(textOf(elements(s, 'failure')[0]!)).toContain('</failure></testcase><injected/>');
  });

  it('keeps newlines inside attribute values', () => {
    const report = sampleReport();
    report.checks[3]!.reason = 'line one\nline two';
    const s = suite(renderJunit(report));
    expect(elements(s, 'skipped')[0]!.attrs.message).toBe('line one\nline two');
  });

  const awkward = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({
      unit: fc.constantFrom('<', '>', '&', '"', "'", ']]>', '\n', '\r', '\t', '\u0000', '\u001b', '\ud800', '\udfff', '\ufffe', 'a', ' ', '&#1;', '&amp;'),
    }),
  );
  const validXmlText = (s: string): boolean => [...s].every((ch) => /^[\t\n\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]$/u.test(ch));

  it('is well-formed XML for arbitrary strings in every field (property)', () => {
    fc.assert(
      fc.property(awkward, awkward, awkward, awkward, awkward, (title, text, message, file, other) => {
        const report: Report = sampleReport();
        report.host.hostname = other;
        report.limitations = [other, text];
        report.checks = report.checks.map((c) => ({ ...c, title, guide: other, reason: message }));
        report.findings = report.findings.map((f) => ({
          ...f,
          title,
          message,
          evidence: [{ kind: 'file', text, location: { file, line: 3 } }],
          remediation: { summary: message, steps: [text, other], automatic: false },
        }));
        const s = suite(renderJunit(report));
        expect(elements(s, 'testcase')).toHaveLength(report.checks.length);
        // Escaping must be lossless for everything XML can carry.
        if (validXmlText(title)) expect(testcase(s, 'gateway.bind.public').attrs.name).toBe(`gateway.bind.public: ${title}`);
        if (validXmlText(other)) expect(s.attrs.hostname).toBe(other);
      }),
      { numRuns: 300 },
    );
  });
});
