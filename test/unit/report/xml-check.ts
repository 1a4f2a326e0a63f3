/**
 * A small, strict XML 1.0 reader for tests: enough to prove the JUnit output is well-formed (one
 * root, matched tags, quoted attributes, no raw `<` or `&`, only legal characters, no `]]>` in
 * text) and to read back what was escaped. It throws on anything malformed.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

const NAME = /^[A-Za-z_:][\w.:-]*/;

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

export function parseXml(xml: string): XmlElement {
  for (const ch of xml) {
    // for..of walks code points, so a lone surrogate shows up as itself and fails here.
    const code = ch.codePointAt(0) ?? 0;
    if (!isXmlChar(code)) throw new Error(`illegal character U+${code.toString(16)}`);
  }
  let pos = 0;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at offset ${pos}: ${JSON.stringify(xml.slice(pos, pos + 30))}`);
  };
  const skipSpace = (): void => {
    while (pos < xml.length && /\s/.test(xml[pos]!)) pos++;
  };
  const readName = (): string => {
    const m = NAME.exec(xml.slice(pos));
    if (!m) return fail('expected a name');
    pos += m[0].length;
    return m[0];
  };
  const readReference = (): string => {
    const end = xml.indexOf(';', pos);
    if (end < 0) return fail('unterminated reference');
    const ref = xml.slice(pos + 1, end);
    pos = end + 1;
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref]!;
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!m) return fail(`bad reference &${ref};`);
    const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
    if (!isXmlChar(code)) return fail(`reference to illegal character ${code}`);
    return String.fromCodePoint(code);
  };

  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) fail('unterminated declaration');
    pos = end + 2;
  }
  skipSpace();

  const readElement = (): XmlElement => {
    if (xml[pos] !== '<') fail('expected <');
    pos++;
    const name = readName();
    const attrs: Record<string, string> = {};
    for (;;) {
      const hadSpace = /\s/.test(xml[pos] ?? '');
      skipSpace();
      if (xml.startsWith('/>', pos)) {
        pos += 2;
        return { name, attrs, children: [] };
      }
      if (xml[pos] === '>') {
        pos++;
        break;
      }
      if (!hadSpace) fail('expected whitespace before attribute');
      const attr = readName();
      if (attr in attrs) fail(`duplicate attribute ${attr}`);
      skipSpace();
      if (xml[pos] !== '=') fail('expected =');
      pos++;
      skipSpace();
      const quote = xml[pos];
      if (quote !== '"' && quote !== "'") fail('expected a quoted value');
      pos++;
      let value = '';
      while (xml[pos] !== quote) {
        const ch = xml[pos];
        if (ch === undefined) fail('unterminated attribute');
        if (ch === '<') fail('< in attribute value');
        if (ch === '&') value += readReference();
        else {
          // Attribute-value normalisation: literal whitespace characters become spaces.
          value += ch === '\n' || ch === '\r' || ch === '\t' ? ' ' : ch;
          pos++;
        }
      }
      pos++;
      attrs[attr] = value;
    }
    const children: (XmlElement | string)[] = [];
    let text = '';
    const flush = (): void => {
      if (text) children.push(text);
      text = '';
    };
    for (;;) {
      if (pos >= xml.length) fail(`unclosed <${name}>`);
      if (xml.startsWith('</', pos)) {
        pos += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}>`);
        skipSpace();
        if (xml[pos] !== '>') fail('expected >');
        pos++;
        flush();
        return { name, attrs, children };
      }
      if (xml.startsWith('<!--', pos)) {
        const end = xml.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (xml.startsWith('<![CDATA[', pos)) {
        const end = xml.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA');
        text += xml.slice(pos + 9, end);
        pos = end + 3;
      } else if (xml[pos] === '<') {
        flush();
        children.push(readElement());
      } else if (xml[pos] === '&') {
        text += readReference();
      } else {
        if (xml.startsWith(']]>', pos)) fail(']]> in text');
        // Line-end normalisation, as a conforming reader does.
        if (xml[pos] === '\r') {
          text += '\n';
          pos += xml[pos + 1] === '\n' ? 2 : 1;
        } else {
          text += xml[pos];
          pos++;
        }
      }
    }
  };

  const root = readElement();
  skipSpace();
  if (pos !== xml.length) fail('content after the root element');
  return root;
}

export function elements(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (el: XmlElement): void => {
    if (el.name === name) found.push(el);
    for (const child of el.children) if (typeof child !== 'string') walk(child);
  };
  walk(root);
  return found;
}

export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}
