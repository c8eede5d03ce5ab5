import type { ToolDefinition, ToolkitDefinition } from '../catalog/index.js';

const stopwords = new Set(
  'a an and are as at be by for from get in into is it of on or the this to with my me i we our you your all any some please want need can could would should'.split(
    ' ',
  ),
);

/** Lower-case word stems of a text; `snake_case`, `camelCase` and `kebab-case` split into words. */
export function tokenize(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 1 && !stopwords.has(word))
    .map(stem);
}

/** A light suffix stripper: enough for "files"/"file", "listing"/"list", "created"/"create". */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('es') && /(ch|sh|x|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

interface Document {
  weights: Map<string, number>;
}

const fieldWeights = { name: 3, toolkit: 2, description: 1, parameters: 1 };

function documentOf(toolkit: ToolkitDefinition, tool: ToolDefinition): Document {
  const weights = new Map<string, number>();
  const add = (text: string, weight: number) => {
    for (const token of new Set(tokenize(text))) weights.set(token, Math.max(weights.get(token) ?? 0, weight));
  };
  add(tool.description, fieldWeights.description);
  add(Object.keys((tool.input_schema.properties as Record<string, unknown> | undefined) ?? {}).join(' '), fieldWeights.parameters);
  add(`${toolkit.slug} ${toolkit.name}`, fieldWeights.toolkit);
  add(`${tool.slug.slice(toolkit.slug.length + 1)} ${tool.name}`, fieldWeights.name);
  return { weights };
}

export interface SearchCandidate {
  toolkit: ToolkitDefinition;
  tool: ToolDefinition;
}

export interface SearchHit extends SearchCandidate {
  score: number;
  /** Query words that matched, and in which field weight. */
  matched: string[];
}

/**
 * Ranks tools for a natural-language use case: field-weighted term matches (name over toolkit over
 * description and parameter names), each weighted by how rare the term is among the candidates.
 * Documents are built once per tool definition object.
 */
export function createToolSearch() {
  const documents = new WeakMap<ToolDefinition, Document>();
  const documentFor = (candidate: SearchCandidate) => {
    let document = documents.get(candidate.tool);
    if (!document) {
      document = documentOf(candidate.toolkit, candidate.tool);
      documents.set(candidate.tool, document);
    }
    return document;
  };

  return function search(query: string, candidates: readonly SearchCandidate[], limit: number): SearchHit[] {
    const terms = [...new Set(tokenize(query))];
    if (terms.length === 0 || candidates.length === 0) return [];
    const docs = candidates.map(documentFor);
    const frequency = new Map(terms.map((term) => [term, docs.filter((doc) => doc.weights.has(term)).length]));
    const hits: SearchHit[] = [];
    candidates.forEach((candidate, index) => {
      const doc = docs[index]!;
      let score = 0;
      const matched: string[] = [];
      for (const term of terms) {
        const weight = doc.weights.get(term);
        if (!weight) continue;
        score += weight * Math.log(1 + candidates.length / frequency.get(term)!);
        matched.push(term);
      }
      if (score > 0) hits.push({ ...candidate, score: score * (matched.length / terms.length), matched });
    });
    hits.sort((a, b) => b.score - a.score || a.tool.slug.localeCompare(b.tool.slug));
    return hits.slice(0, limit);
  };
}
