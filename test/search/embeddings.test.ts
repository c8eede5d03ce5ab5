import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddingsReranker, ToolIndex, words } from '../../src/search/index.js';
import { catalog } from './fixture.js';

/** Deterministic vectors: a hashed bag of words, 64 dimensions. */
function vector(text: string): number[] {
  const out = new Array<number>(64).fill(0);
  for (const word of words(text)) {
    let hash = 0;
    for (const char of word) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    out[hash % 64]! += 1;
  }
  return out;
}

let server: Server;
let url: string;
const requests: { model: string; input: string[]; authorization?: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const parsed = JSON.parse(body) as { model: string; input: string[] };
      requests.push({ ...parsed, authorization: request.headers.authorization });
      if (parsed.model === 'broken') {
        response.writeHead(500).end('{}');
        return;
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ data: parsed.input.map((text, index) => ({ index, embedding: vector(text) })) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('embeddings re-ranker', () => {
  it('re-orders lexical hits by similarity, caches tool vectors and sends the key', async () => {
    const index = new ToolIndex();
    index.add(catalog);
    const reranker = createEmbeddingsReranker({ url, model: 'fake', apiKey: 'sk-test', lexicalWeight: 0.2 });
    const query = 'delete branch repository';
    const lexical = index.search(query, { limit: 5 });
    const reranked = await reranker.rerank(query, lexical, (id) => index.document(id));
    expect(reranked.map((hit) => hit.id).sort()).toEqual(lexical.map((hit) => hit.id).sort());
    expect(reranked[0]!.id).toBe('GIT_DELETE_BRANCH');
    expect(reranked.every((hit) => typeof hit.similarity === 'number')).toBe(true);
    expect(requests.at(-1)).toMatchObject({ model: 'fake', authorization: 'Bearer sk-test' });
    expect(requests.at(-1)!.input.length).toBe(1 + lexical.length);
    await reranker.rerank(query, lexical, (id) => index.document(id));
    expect(requests.at(-1)!.input.length).toBe(1);
  });

  it('keeps the lexical order when the endpoint fails', async () => {
    const index = new ToolIndex();
    index.add(catalog);
    const errors: Error[] = [];
    const reranker = createEmbeddingsReranker({ url, model: 'broken' }, (error) => errors.push(error));
    const lexical = index.search('branch', { limit: 5 });
    expect(await reranker.rerank('branch', lexical, (id) => index.document(id))).toEqual(lexical);
    expect(errors[0]!.message).toContain('500');
  });

  it('does not follow a redirect from the configured endpoint (only the configured URL is trusted)', async () => {
    const redirecting = createServer((_request, response) => {
      response.writeHead(307, { location: `${url}/embeddings` }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const index = new ToolIndex();
      index.add(catalog);
      const errors: Error[] = [];
      const before = requests.length;
      const reranker = createEmbeddingsReranker({ url: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/v1`, model: 'fake' }, (error) =>
        errors.push(error),
      );
      const lexical = index.search('branch', { limit: 5 });
      expect(await reranker.rerank('branch', lexical, (id) => index.document(id))).toEqual(lexical);
      expect(errors[0]!.message).toMatch(/redirect \(HTTP 307 to http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings\).*configure the final URL/);
      expect(requests.length).toBe(before);
    } finally {
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    }
  });
});
