import { type ToolDocument, ToolIndex } from '../../src/search/index.js';
import type { Query } from './dataset.js';

export interface Quality {
  queries: number;
  recallAt1: number;
  recallAt5: number;
  ndcgAt10: number;
}

export interface Latency {
  p50: number;
  p99: number;
  mean: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function buildIndex(docs: readonly ToolDocument[], onProgress?: (done: number, total: number) => void): { index: ToolIndex; ms: number } {
  const started = performance.now();
  const index = new ToolIndex();
  index.add(docs, onProgress ? ({ done, total }) => onProgress(done, total) : undefined);
  return { index, ms: performance.now() - started };
}

/** Runs every query; `onProgress` after each batch. */
export function evaluate(index: ToolIndex, queries: readonly Query[], onProgress?: (done: number) => void): { quality: Quality; latency: Latency } {
  let hits1 = 0;
  let hits5 = 0;
  let ndcg = 0;
  const times: number[] = [];
  queries.forEach((query, i) => {
    const started = performance.now();
    const results = index.search(query.query, { limit: 10 });
    times.push(performance.now() - started);
    const rank = results.findIndex((hit) => hit.id === query.tool);
    if (rank === 0) hits1++;
    if (rank >= 0 && rank < 5) hits5++;
    if (rank >= 0) ndcg += 1 / Math.log2(rank + 2);
    if (onProgress && (i + 1) % 100 === 0) onProgress(i + 1);
  });
  times.sort((a, b) => a - b);
  const n = Math.max(queries.length, 1);
  return {
    quality: { queries: queries.length, recallAt1: hits1 / n, recallAt5: hits5 / n, ndcgAt10: ndcg / n },
    latency: { p50: percentile(times, 50), p99: percentile(times, 99), mean: times.reduce((a, b) => a + b, 0) / n },
  };
}
