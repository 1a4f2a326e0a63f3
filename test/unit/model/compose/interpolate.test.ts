import { describe, expect, it } from 'vitest';
import { interpolate } from '../../../../src/model/compose/interpolate.js';

const env = { SET: 'v', EMPTY: '', PORT: '18789', B: 'b' };

describe('interpolate', () => {
  const cases: { template: string; value: string; unset?: string[] }[] = [
    { template: 'plain text', value: 'plain text' },
    { template: '', value: '' },
    { template: '$SET', value: 'v' },
    { template: '${SET}', value: 'v' },
    { template: 'a$SET-b', value: 'av-b' },
    { template: '$SET_x', value: '', unset: ['SET_x'] },
    { template: '${SET}_x', value: 'v_x' },
    { template: '$$', value: '$' },
    { template: '$$SET', value: '$SET' },
    { template: '$${SET}', value: '${SET}' },
    { template: '$$$SET', value: '$v' },
    { template: '$MISSING', value: '', unset: ['MISSING'] },
    { template: '${MISSING}:${MISSING}', value: ':', unset: ['MISSING'] },
    { template: '${MISSING:-d}', value: 'd' },
    { template: '${EMPTY:-d}', value: 'd' },
    { template: '${SET:-d}', value: 'v' },
    { template: '${MISSING-d}', value: 'd' },
    { template: '${EMPTY-d}', value: '' },
    { template: '${SET-d}', value: 'v' },
    { template: '${MISSING:-}', value: '' },
    { template: '${SET:?err}', value: 'v' },
    { template: '${EMPTY?err}', value: '' },
    { template: '${SET:+alt}', value: 'alt' },
    { template: '${EMPTY:+alt}', value: '' },
    { template: '${MISSING:+alt}', value: '' },
    { template: '${EMPTY+alt}', value: 'alt' },
    { template: '${MISSING+alt}', value: '' },
    { template: '${SET:+$B}', value: 'b' },
    { template: '${MISSING:-${B:-x}}', value: 'b' },
    { template: '${MISSING:-${ALSO:-x}}', value: 'x' },
    { template: '${MISSING:-${ALSO}}', value: '', unset: ['ALSO'] },
    { template: '${SET:-${ALSO}}', value: 'v' },
    { template: '${A:-${B:-${C:-deep}}}y', value: 'by' },
    { template: '${MISSING:-a:b-c}', value: 'a:b-c' },
    { template: '${MISSING:-{x}}', value: '{x}' },
    { template: '${MISSING:-a}b}', value: 'ab}' },
    { template: '${OPENCLAW_GATEWAY_PORT:-18789}:18789', value: '18789:18789' },
    { template: '127.0.0.1:${PORT}:18789', value: '127.0.0.1:18789:18789' },
    { template: '${set}', value: '', unset: ['set'] },
  ];
  it.each(cases)('$template', ({ template, value, unset }) => {
    expect(interpolate(template, env)).toEqual({ value, unset: unset ?? [] });
  });

  const errors: { template: string; error: string }[] = [
    { template: '${MISSING:?need it}', error: 'required variable MISSING is missing a value: need it' },
    { template: '${EMPTY:?need it}', error: 'required variable EMPTY is missing a value: need it' },
    { template: '${MISSING?}', error: 'required variable MISSING is missing a value' },
    { template: '${MISSING:?need $B}', error: 'required variable MISSING is missing a value: need b' },
    { template: 'cost $5', error: '"$" followed by "5" (write "$$" for a literal "$")' },
    { template: 'a$', error: 'a lone "$" at the end (write "$$" for a literal "$")' },
    { template: '${}', error: '"${" must be followed by a variable name' },
    { template: '${1A}', error: '"${" must be followed by a variable name' },
    { template: '${A', error: 'unclosed "${A"' },
    { template: '${A:-x', error: 'unclosed "${"' },
    { template: '${A!x}', error: 'unexpected "!" after "${A"' },
    // A syntax error in a branch not taken is still an error: compose checks the whole template.
    { template: '${SET:-$}', error: '"$" followed by "}" (write "$$" for a literal "$")' },
  ];
  it.each(errors)('error: $template', ({ template, error }) => {
    expect(interpolate(template, env)).toMatchObject({ value: '', error });
  });

  it('bounds nesting instead of overflowing the stack', () => {
    const deep = '${A:-'.repeat(10_000) + 'x' + '}'.repeat(10_000);
    expect(interpolate(deep, {})).toMatchObject({ error: 'interpolation nested too deeply' });
  });

  it('reads only own properties of env', () => {
    expect(interpolate('${toString}', {})).toEqual({ value: '', unset: ['toString'] });
  });
});
