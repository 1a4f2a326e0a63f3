import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addLoopbackPublish } from '../../../src/harden/edit/compose-edit.js';
import { EditError } from '../../../src/harden/edit/errors.js';

/** addLoopbackPublish: the compose edit behind `doctor docker-publish`. */

const lines = (...l: string[]) => `${l.join('\n')}\n`;

describe('addLoopbackPublish', () => {
  it("adds a ports list to a service without one, at the file's list indent, comments kept", () => {
    const before = lines('services:', '  gw:', '    image: openclaw # pinned', '    networks:', '    - net', '# end');
    const after = addLoopbackPublish(before, 'gw', 18789, 18789);
    expect(after).toBe(
      lines('services:', '  gw:', '    image: openclaw # pinned', '    networks:', '    - net', '    ports:', '    - "127.0.0.1:18789:18789"', '# end'),
    );
  });

  it('appends to an existing block list that does not publish the port', () => {
    const before = lines('services:', '  gw:', '    ports:', '      - "9000:9000" # metrics');
    const after = addLoopbackPublish(before, 'gw', 18789, 18789);
    expect((parse(after) as { services: { gw: { ports: string[] } } }).services.gw.ports).toEqual(['9000:9000', '127.0.0.1:18789:18789']);
    expect(after).toContain('# metrics');
  });

  it('appends to a flow list and fills an empty ports key', () => {
    expect(addLoopbackPublish(lines('services:', '  gw:', '    ports: ["9000:9000"]'), 'gw', 18789, 18789)).toBe(
      lines('services:', '  gw:', '    ports: ["9000:9000", "127.0.0.1:18789:18789"]'),
    );
    expect(parse(addLoopbackPublish(lines('services:', '  gw:', '    image: x', '    ports:'), 'gw', 18789, 18789))).toEqual({
      services: { gw: { image: 'x', ports: ['127.0.0.1:18789:18789'] } },
    });
  });

  it('leaves a service that already publishes the port (short or long syntax) as it is', () => {
    const short = lines('services:', '  gw:', '    ports:', '      - "18789:18789"');
    expect(addLoopbackPublish(short, 'gw', 18789, 18789)).toBe(short);
    const long = lines('services:', '  gw:', '    ports:', '      - target: 18789', '        published: 18789');
    expect(addLoopbackPublish(long, 'gw', 18789, 18789)).toBe(long);
  });

  it('refuses a network mode that cannot publish, naming the line', () => {
    const text = lines('services:', '  gw:', '    image: x', '    network_mode: host');
    expect(() => addLoopbackPublish(text, 'gw', 18789, 18789)).toThrow(EditError);
    expect(() => addLoopbackPublish(text, 'gw', 18789, 18789)).toThrow(/network_mode "host"/);
  });
});
