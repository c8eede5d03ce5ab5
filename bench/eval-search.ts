/**
 * `npm run eval:search`: tool-retrieval quality and speed of the search index on the MetaTool dev
 * set, alone and among ≥ 10,000 distractors, plus latency at 20,000 tools. Writes a section of
 * BENCHMARKS.md unless `--no-write`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';
import { distractorDocuments, metatoolDocuments, metatoolQueries } from './search/dataset.js';
import { buildIndex, evaluate, type Latency, type Quality } from './search/evaluate.js';

const args = process.argv.slice(2);
const write = !args.includes('--no-write');
const tty = process.stderr.isTTY;

function progress(label: string, done: number, total: number): void {
  const line = `${label} ${done}/${total}`;
  if (tty) process.stderr.write(`\r${line}${done >= total ? '\n' : ''}`);
  else if (done >= total || done % Math.max(1, Math.floor(total / 4)) === 0) process.stderr.write(`${line}\n`);
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

const tools = metatoolDocuments();
const queries = metatoolQueries();

interface Setting {
  name: string;
  tools: number;
  quality: Quality;
  latency: Latency;
  buildMs: number;
  heapMb: number;
}

function run(name: string, distractors: number): Setting {
  const docs = [...tools, ...distractorDocuments(distractors)];
  const before = heapUsed();
  const { index, ms } = buildIndex(docs, (done, total) => progress(`${name}: indexing`, done, total));
  const heapMb = (heapUsed() - before) / 1024 / 1024;
  // Warm-up, so the first queries do not measure the JIT.
  for (const query of queries.slice(0, 50)) index.search(query.query, { limit: 10 });
  const { quality, latency } = evaluate(index, queries, (done) => progress(`${name}: queries`, done, queries.length));
  const setting = { name, tools: index.size, quality, latency, buildMs: ms, heapMb };
  process.stderr.write(
    `${name}: ${index.size} tools  R@1 ${quality.recallAt1.toFixed(3)}  R@5 ${quality.recallAt5.toFixed(3)}  nDCG@10 ${quality.ndcgAt10.toFixed(3)}  ` +
      `p50 ${latency.p50.toFixed(2)} ms  p99 ${latency.p99.toFixed(2)} ms  build ${ms.toFixed(0)} ms  heap +${heapMb.toFixed(1)} MB\n`,
  );
  return setting;
}

const settings = [run('tools alone', 0), run('with 10,000 distractors', 10_000), run('at 20,000 tools', 20_000 - tools.length)];

function verdicts(): string {
  const [alone, mixed, large] = settings as [Setting, Setting, Setting];
  const check = (label: string, ok: boolean) => `${label} ${ok ? 'yes' : 'NO'}`;
  return [
    check('R@5 alone', alone.quality.recallAt5 >= 0.85),
    check('R@1 alone', alone.quality.recallAt1 >= 0.6),
    check('R@5 with distractors', mixed.quality.recallAt5 >= 0.75),
    check('p50', large.latency.p50 <= 5),
    check('p99', large.latency.p99 <= 25),
    check('build', large.buildMs <= 10_000),
  ].join(', ');
}

process.stderr.write(`Targets met: ${verdicts()}\n`);

if (write) {
  const row = (s: Setting) =>
    `| ${s.name} | ${s.tools} | ${s.quality.recallAt1.toFixed(3)} | ${s.quality.recallAt5.toFixed(3)} | ${s.quality.ndcgAt10.toFixed(3)} | ${s.latency.p50.toFixed(2)} | ${s.latency.p99.toFixed(2)} | ${(s.buildMs / 1000).toFixed(2)} | ${s.heapMb.toFixed(1)} |`;
  const section = [
    '## Tool search (MetaTool dev set)',
    '',
    `Produced by \`npm run eval:search\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}.`,
    `${queries.length} single-tool queries over the ${tools.length} MetaTool tools (test/fixtures/tool-retrieval), lexical index only (no embeddings).`,
    'Distractors: the built-in Bitbucket and Backendless toolkits, the 331 operations of the Bitbucket Cloud OpenAPI description',
    '(method, path, summary, description, parameter names), and deterministic variations of those across synthetic apps',
    '(new app names; repository, issue, commit, pipeline, branch, workspace, table… renamed per app).',
    '',
    '| setting | tools | Recall@1 | Recall@5 | nDCG@10 | p50 ms | p99 ms | build s | heap MB |',
    '|---|---|---|---|---|---|---|---|---|',
    ...settings.map(row),
    '',
    'Targets (issue 8): tools alone R@5 ≥ 0.85, R@1 ≥ 0.60; with ≥ 10,000 distractors R@5 ≥ 0.75; p50 ≤ 5 ms, p99 ≤ 25 ms at 20,000 tools; build ≤ 10 s.',
    `Met: ${verdicts()}.`,
    '',
  ].join('\n');
  const file = join(packageRoot, 'BENCHMARKS.md');
  const current = readFileSync(file, 'utf8');
  const start = current.indexOf('## Tool search (MetaTool dev set)');
  let next: string;
  if (start < 0) next = `${current.trimEnd()}\n\n${section}`;
  else {
    const end = current.indexOf('\n## ', start + 3);
    next = `${current.slice(0, start)}${section}${end < 0 ? '' : `\n${current.slice(end + 1)}`}`;
  }
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
  process.stderr.write('BENCHMARKS.md updated.\n');
}
