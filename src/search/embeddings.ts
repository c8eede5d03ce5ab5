import type { SearchHit, ToolDocument } from './engine.js';

export interface EmbeddingsConfig {
  /** Base URL of an OpenAI-compatible API; `POST {url}/embeddings` is called. */
  url: string;
  model: string;
  apiKey?: string | undefined;
  /** Share of the lexical score in the blend (0..1); the rest is cosine similarity. */
  lexicalWeight?: number;
  timeoutMs?: number;
}

export interface Reranker {
  rerank(query: string, hits: readonly SearchHit[], documentOf: (id: string) => ToolDocument | undefined): Promise<SearchHit[]>;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export function embeddingText(doc: ToolDocument): string {
  return `${doc.toolkitName ?? doc.toolkit}: ${doc.name}. ${doc.description}`.slice(0, 2000);
}

/**
 * Dense re-ranking of lexical hits: cosine similarity of query and tool embeddings, blended with
 * the lexical score (normalised by the best hit). Tool embeddings are cached in memory by text.
 * Any failure of the endpoint leaves the lexical order as it was.
 */
export function createEmbeddingsReranker(config: EmbeddingsConfig, onError?: (error: Error) => void): Reranker {
  const cache = new Map<string, number[]>();
  const lexicalWeight = config.lexicalWeight ?? 0.5;
  const endpoint = `${config.url.replace(/\/+$/, '')}/embeddings`;

  async function embed(inputs: string[]): Promise<number[][]> {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}) },
      body: JSON.stringify({ model: config.model, input: inputs }),
      signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
      // The operator's URL is trusted as configured (it may well be on loopback), but a redirect
      // leads somewhere nobody configured; an embeddings API has no reason to send one.
      redirect: 'manual',
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      throw new Error(
        `embeddings endpoint answered a redirect (HTTP ${response.status}${location ? ` to ${location.slice(0, 200)}` : ''}), which is not followed; configure the final URL`,
      );
    }
    if (!response.ok) throw new Error(`embeddings endpoint answered ${response.status}`);
    const body = (await response.json()) as { data?: { embedding?: unknown; index?: number }[] };
    const data = body.data;
    if (!Array.isArray(data) || data.length !== inputs.length) throw new Error('embeddings endpoint returned a malformed answer');
    const ordered = data.every((item) => typeof item.index === 'number') ? [...data].sort((a, b) => a.index! - b.index!) : data;
    return ordered.map((item) => {
      if (!Array.isArray(item.embedding) || !item.embedding.every((value) => typeof value === 'number'))
        throw new Error('embeddings endpoint returned a non-numeric vector');
      return item.embedding as number[];
    });
  }

  return {
    async rerank(query, hits, documentOf) {
      if (hits.length < 2 || !query.trim()) return [...hits];
      try {
        const texts = hits.map((hit) => {
          const doc = documentOf(hit.id);
          return doc ? embeddingText(doc) : hit.id;
        });
        const missing = [...new Set(texts.filter((text) => !cache.has(text)))];
        const vectors = await embed([query.slice(0, 8000), ...missing]);
        missing.forEach((text, i) => {
          cache.set(text, vectors[i + 1]!);
        });
        const queryVector = vectors[0]!;
        const top = Math.max(...hits.map((hit) => hit.score), Number.EPSILON);
        return hits
          .map((hit, i) => {
            const similarity = cosine(queryVector, cache.get(texts[i]!)!);
            return { ...hit, score: lexicalWeight * (hit.score / top) + (1 - lexicalWeight) * similarity, similarity };
          })
          .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
      } catch (error) {
        onError?.(error as Error);
        return [...hits];
      }
    },
  };
}
