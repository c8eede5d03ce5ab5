import { describe, expect, it } from 'vitest';
import { metatoolDocuments, metatoolQueries } from '../../bench/search/dataset.js';
import { buildIndex, evaluate } from '../../bench/search/evaluate.js';

// A regression guard, not the benchmark (npm run eval:search): a fixed 300-query slice of the dev set.
describe('tool retrieval smoke eval', () => {
  it('keeps Recall@5 on a 300-query slice above its floor', () => {
    const { index } = buildIndex(metatoolDocuments());
    const queries = metatoolQueries().filter((_, i) => i % 10 === 0);
    expect(queries.length).toBe(300);
    const { quality } = evaluate(index, queries);
    expect(quality.recallAt5).toBeGreaterThan(0.62);
    expect(quality.recallAt1).toBeGreaterThan(0.4);
  });
});
