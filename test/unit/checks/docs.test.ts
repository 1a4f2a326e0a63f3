import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../../src/checks/catalogue.js';
import { renderCheckDocs } from '../../../src/checks/docs.js';

describe('docs/checks.md', () => {
  it('is generated from the current checks (run `npm run docs` when this fails)', () => {
    const committed = readFileSync(new URL('../../../docs/checks.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderCheckDocs(CHECKS));
  });
});
