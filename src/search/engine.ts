import { relatedTerms } from './synonyms.js';
import { isStopword, porterStem, terms, words } from './tokenize.js';

/** One searchable tool, as plain data: the search knows nothing of toolkits' other parts. */
export interface ToolDocument {
  /** Unique id, e.g. the tool slug. */
  id: string;
  /** Toolkit (app) slug: the unit of incremental updates. */
  toolkit: string;
  toolkitName?: string;
  name: string;
  description: string;
  parameters?: readonly string[];
  tags?: readonly string[];
}

export const fieldNames = ['name', 'toolkit', 'description', 'parameters'] as const;
export type FieldName = (typeof fieldNames)[number];
const fieldCount = fieldNames.length;

export interface RankingWeights {
  fields: Record<FieldName, number>;
  /** BM25 length normalisation per field. */
  b: Record<FieldName, number>;
  k1: number;
  /** Weight of a related word (synonym table) relative to the word itself. */
  related: number;
  /** Weight of a partial name match (prefix or part of a compound name such as "qreator"). */
  partial: number;
}

export const defaultWeights: RankingWeights = {
  fields: { name: 5, toolkit: 1.5, description: 1, parameters: 0.4 },
  b: { name: 0.5, toolkit: 0.3, description: 0.75, parameters: 0.5 },
  k1: 1.2,
  related: 0.45,
  partial: 0.6,
};

export interface Match {
  /** The query word. */
  word: string;
  /** The index term it matched (itself, a related term, or a name it is part of). */
  term: string;
  via: 'exact' | 'related' | 'partial';
  fields: FieldName[];
}

export interface SearchHit {
  id: string;
  toolkit: string;
  score: number;
  matches: Match[];
  /** Cosine similarity to the query, when a dense re-ranker ran. */
  similarity?: number;
}

export interface SearchOptions {
  limit?: number;
  /** Only these document ids may be returned (a session's policy). Applied while scoring. */
  allowed?: ReadonlySet<string> | ((id: string) => boolean);
  /** Only documents of these toolkits. */
  toolkits?: readonly string[];
}

export interface BuildProgress {
  done: number;
  total: number;
}

interface Posting {
  docs: number[];
  /** `fieldCount` term frequencies per entry of `docs`. */
  tf: number[];
}

interface StoredDocument {
  doc: ToolDocument;
  lengths: number[];
  terms: string[];
  nameWords: string[];
}

interface QueryWord {
  word: string;
  variants: { term: string; weight: number; via: Match['via'] }[];
}

const maxQueryWords = 64;

function fieldTexts(doc: ToolDocument): Record<FieldName, string> {
  const bareName = doc.id.toLowerCase().startsWith(`${doc.toolkit.toLowerCase()}_`) ? doc.id.slice(doc.toolkit.length + 1) : doc.id;
  return {
    name: `${bareName} ${doc.name === bareName ? '' : doc.name}`,
    toolkit: `${doc.toolkit} ${doc.toolkitName && doc.toolkitName !== doc.toolkit ? doc.toolkitName : ''}`,
    description: `${doc.description} ${(doc.tags ?? []).join(' ')}`,
    parameters: (doc.parameters ?? []).join(' '),
  };
}

/**
 * An inverted index over tool documents, ranked BM25F-style: per-field term frequencies,
 * length-normalised per field and combined with field weights before saturation. Query words also
 * reach related words (synonyms) and, for tool and app names, names they are part of. Documents are
 * added and removed per toolkit; nothing is rebuilt.
 */
export class ToolIndex {
  private readonly documents: (StoredDocument | undefined)[] = [];
  private readonly byId = new Map<string, number>();
  private readonly byToolkit = new Map<string, Set<number>>();
  private readonly postings = new Map<string, Posting>();
  /** Name and toolkit words (unstemmed) → documents, for partial matches. */
  private readonly nameWords = new Map<string, Set<number>>();
  private readonly trigrams = new Map<string, Set<string>>();
  private readonly lengthSums = new Array<number>(fieldCount).fill(0);
  private readonly partialCache = new Map<string, string[]>();
  private free: number[] = [];
  private live = 0;

  constructor(private readonly weights: RankingWeights = defaultWeights) {}

  get size(): number {
    return this.live;
  }

  /** Every toolkit slug in the index. */
  toolkits(): string[] {
    return [...this.byToolkit.keys()];
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  document(id: string): ToolDocument | undefined {
    const number = this.byId.get(id);
    return number === undefined ? undefined : this.documents[number]?.doc;
  }

  /** Adds documents; a document whose id is already indexed replaces the old one. */
  add(docs: readonly ToolDocument[], onProgress?: (progress: BuildProgress) => void): void {
    const step = Math.max(1, Math.floor(docs.length / 20));
    docs.forEach((doc, index) => {
      this.addOne(doc);
      if (onProgress && ((index + 1) % step === 0 || index + 1 === docs.length)) onProgress({ done: index + 1, total: docs.length });
    });
  }

  /** Replaces every document of `toolkit` with `docs` (all must belong to it). */
  replaceToolkit(toolkit: string, docs: readonly ToolDocument[]): void {
    this.removeToolkit(toolkit);
    this.add(docs.map((doc) => (doc.toolkit === toolkit ? doc : { ...doc, toolkit })));
  }

  removeToolkit(toolkit: string): number {
    const numbers = this.byToolkit.get(toolkit);
    if (!numbers) return 0;
    const removed = [...numbers];
    this.removeNumbers(removed);
    return removed.length;
  }

  remove(id: string): boolean {
    const number = this.byId.get(id);
    if (number === undefined) return false;
    this.removeNumbers([number]);
    return true;
  }

  private addOne(doc: ToolDocument): void {
    if (this.byId.has(doc.id)) this.remove(doc.id);
    const number = this.free.pop() ?? this.documents.length;
    const texts = fieldTexts(doc);
    const frequencies = new Map<string, number[]>();
    const lengths: number[] = [];
    fieldNames.forEach((field, f) => {
      const fieldTerms = terms(texts[field]);
      lengths.push(fieldTerms.length);
      this.lengthSums[f]! += fieldTerms.length;
      for (const term of fieldTerms) {
        let tf = frequencies.get(term);
        if (!tf) {
          tf = new Array<number>(fieldCount).fill(0);
          frequencies.set(term, tf);
        }
        tf[f]!++;
      }
    });
    for (const [term, tf] of frequencies) {
      let posting = this.postings.get(term);
      if (!posting) {
        posting = { docs: [], tf: [] };
        this.postings.set(term, posting);
      }
      posting.docs.push(number);
      posting.tf.push(...tf);
    }
    const nameWords = [...new Set(words(`${texts.name} ${texts.toolkit}`))].filter((word) => word.length >= 2);
    for (const word of nameWords) {
      let set = this.nameWords.get(word);
      if (!set) {
        set = new Set();
        this.nameWords.set(word, set);
        for (const gram of trigramsOf(word)) {
          let grams = this.trigrams.get(gram);
          if (!grams) {
            grams = new Set();
            this.trigrams.set(gram, grams);
          }
          grams.add(word);
        }
      }
      set.add(number);
    }
    this.partialCache.clear();
    this.documents[number] = { doc, lengths, terms: [...frequencies.keys()], nameWords };
    this.byId.set(doc.id, number);
    let members = this.byToolkit.get(doc.toolkit);
    if (!members) {
      members = new Set();
      this.byToolkit.set(doc.toolkit, members);
    }
    members.add(number);
    this.live++;
  }

  private removeNumbers(numbers: number[]): void {
    const gone = new Set(numbers);
    const touched = new Set<string>();
    for (const number of numbers) {
      const stored = this.documents[number];
      if (!stored) continue;
      for (const term of stored.terms) touched.add(term);
      stored.lengths.forEach((length, f) => {
        this.lengthSums[f]! -= length;
      });
      for (const word of stored.nameWords) {
        const set = this.nameWords.get(word);
        set?.delete(number);
        if (set && set.size === 0) {
          this.nameWords.delete(word);
          for (const gram of trigramsOf(word)) {
            const grams = this.trigrams.get(gram);
            grams?.delete(word);
            if (grams && grams.size === 0) this.trigrams.delete(gram);
          }
        }
      }
      this.byId.delete(stored.doc.id);
      const members = this.byToolkit.get(stored.doc.toolkit);
      members?.delete(number);
      if (members && members.size === 0) this.byToolkit.delete(stored.doc.toolkit);
      this.documents[number] = undefined;
      this.free.push(number);
      this.live--;
    }
    for (const term of touched) {
      const posting = this.postings.get(term)!;
      const docs: number[] = [];
      const tf: number[] = [];
      posting.docs.forEach((number, i) => {
        if (gone.has(number)) return;
        docs.push(number);
        for (let f = 0; f < fieldCount; f++) tf.push(posting.tf[i * fieldCount + f]!);
      });
      if (docs.length === 0) this.postings.delete(term);
      else this.postings.set(term, { docs, tf });
    }
    this.partialCache.clear();
  }

  /** Name words that contain `word` (or start with it, for two-letter words), other than itself. */
  private partialNames(word: string): string[] {
    const cached = this.partialCache.get(word);
    if (cached) return cached;
    let found: string[] = [];
    if (word.length === 2) {
      if (/^\p{L}+$/u.test(word)) for (const name of this.nameWords.keys()) if (name.length > 3 && name.startsWith(word)) found.push(name);
    } else {
      let smallest: Set<string> | undefined;
      for (const gram of trigramsOf(word)) {
        const set = this.trigrams.get(gram);
        if (!set) {
          smallest = undefined;
          break;
        }
        if (!smallest || set.size < smallest.size) smallest = set;
      }
      if (smallest) found = [...smallest].filter((name) => name !== word && name.length > word.length && name.includes(word));
    }
    if (found.length > 50) found = found.slice(0, 50);
    this.partialCache.set(word, found);
    return found;
  }

  private queryWords(query: string): QueryWord[] {
    const seen = new Set<string>();
    const out: QueryWord[] = [];
    for (const word of words(query)) {
      if (out.length >= maxQueryWords) break;
      if (isStopword(word) || (word.length < 2 && !/\d/.test(word))) continue;
      const stem = porterStem(word);
      if (seen.has(stem)) continue;
      seen.add(stem);
      const variants: QueryWord['variants'] = [{ term: stem, weight: 1, via: 'exact' }];
      for (const term of relatedTerms(stem)) if (!seen.has(term)) variants.push({ term, weight: this.weights.related, via: 'related' });
      out.push({ word, variants });
    }
    return out;
  }

  private idf(documentFrequency: number): number {
    return Math.log(1 + (this.live - documentFrequency + 0.5) / (documentFrequency + 0.5));
  }

  search(query: string, options: SearchOptions = {}): SearchHit[] {
    const limit = Math.max(0, Math.min(options.limit ?? 10, 1000));
    if (limit === 0 || this.live === 0 || typeof query !== 'string') return [];
    const queryWords = this.queryWords(query);
    if (queryWords.length === 0) return [];
    const allowed = options.allowed;
    const allowedFn = typeof allowed === 'function' ? allowed : allowed ? (id: string) => allowed.has(id) : undefined;
    const toolkitSet = options.toolkits ? new Set(options.toolkits) : undefined;
    const slots = this.documents.length;
    // 0 unknown, 1 admitted, 2 refused: the policy is asked once per document and query.
    const admitted = new Uint8Array(slots);
    const admit = (number: number): boolean => {
      let state = admitted[number]!;
      if (state === 0) {
        const doc = this.documents[number]!.doc;
        state = (!toolkitSet || toolkitSet.has(doc.toolkit)) && (!allowedFn || allowedFn(doc.id)) ? 1 : 2;
        admitted[number] = state;
      }
      return state === 1;
    };

    const { fields, b, k1 } = this.weights;
    const fieldWeights = fieldNames.map((field) => fields[field]);
    const fieldB = fieldNames.map((field) => b[field]);
    const averages = this.lengthSums.map((sum) => Math.max(sum / this.live, 1));
    const totals = new Float64Array(slots);
    const wordScores = new Float64Array(slots);
    const touched: number[] = [];
    const best = new Map<number, (QueryWord['variants'][number] | undefined)[]>();

    queryWords.forEach((queryWord, q) => {
      const wordTouched: number[] = [];
      const chosen = new Map<number, QueryWord['variants'][number]>();
      const consider = (number: number, score: number, variant: QueryWord['variants'][number]) => {
        const previous = wordScores[number]!;
        if (previous >= score) return;
        if (previous === 0) wordTouched.push(number);
        wordScores[number] = score;
        chosen.set(number, variant);
      };
      // A related term stands in for the query word, so it is as informative as the word: a rare
      // word ("bitcoin") reached through a common relative ("cryptocurrency") still counts much.
      const ownIdf = this.idf(this.postings.get(queryWord.variants[0]!.term)?.docs.length ?? 0);
      for (const variant of queryWord.variants) {
        const posting = this.postings.get(variant.term);
        if (!posting) continue;
        const idf = ownIdf * variant.weight;
        const docs = posting.docs;
        const tfs = posting.tf;
        for (let i = 0; i < docs.length; i++) {
          const number = docs[i]!;
          if (!admit(number)) continue;
          const lengths = this.documents[number]!.lengths;
          let tf = 0;
          for (let f = 0; f < fieldCount; f++) {
            const raw = tfs[i * fieldCount + f]!;
            if (raw > 0) tf += (fieldWeights[f]! * raw) / (1 - fieldB[f]! + (fieldB[f]! * lengths[f]!) / averages[f]!);
          }
          consider(number, (idf * tf * (k1 + 1)) / (tf + k1), variant);
        }
      }
      if (queryWord.word.length >= 2 && /\p{L}/u.test(queryWord.word)) {
        for (const name of this.partialNames(queryWord.word)) {
          const numbers = this.nameWords.get(name)!;
          const share = Math.sqrt(queryWord.word.length / name.length);
          const idf = this.idf(numbers.size) * this.weights.partial * share;
          const tf = fieldWeights[0]!;
          const score = (idf * tf * (k1 + 1)) / (tf + k1);
          const variant = { term: name, weight: share, via: 'partial' as const };
          for (const number of numbers) if (admit(number)) consider(number, score, variant);
        }
      }
      for (const number of wordTouched) {
        if (totals[number] === 0) touched.push(number);
        totals[number]! += wordScores[number]!;
        wordScores[number] = 0;
      }
      for (const [number, variant] of chosen) {
        let list = best.get(number);
        if (!list) {
          list = new Array(queryWords.length);
          best.set(number, list);
        }
        list[q] = variant;
      }
    });

    const ranked = topK(touched, totals, limit, (x, y) => compareIds(this.documents[x]!.doc.id, this.documents[y]!.doc.id)).map(
      (number) => [number, totals[number]!] as const,
    );
    return ranked.map(([number, score]) => {
      const stored = this.documents[number]!;
      return { id: stored.doc.id, toolkit: stored.doc.toolkit, score, matches: explain(stored.doc, queryWords, best.get(number) ?? []) };
    });
  }
}

/** The `limit` best of `candidates` by score, ties by `tie`; a bounded insertion, not a full sort. */
function topK(candidates: readonly number[], scores: Float64Array, limit: number, tie: (a: number, b: number) => number): number[] {
  const top: number[] = [];
  const better = (a: number, b: number) => scores[a]! > scores[b]! || (scores[a] === scores[b] && tie(a, b) < 0);
  for (const candidate of candidates) {
    if (top.length === limit && !better(candidate, top[top.length - 1]!)) continue;
    let i = top.length < limit ? top.length : limit - 1;
    if (top.length < limit) top.push(candidate);
    while (i > 0 && better(candidate, top[i - 1]!)) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = candidate;
  }
  return top;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function trigramsOf(word: string): string[] {
  const grams: string[] = [];
  for (let i = 0; i + 3 <= word.length; i++) grams.push(word.slice(i, i + 3));
  return grams;
}

/** Which query words matched which fields of `doc`, through which term. */
function explain(doc: ToolDocument, queryWords: QueryWord[], chosen: (QueryWord['variants'][number] | undefined)[]): Match[] {
  const texts = fieldTexts(doc);
  const fieldTerms = fieldNames.map((field) => new Set(terms(texts[field])));
  const fieldWords = fieldNames.map((field) => words(texts[field]));
  const matches: Match[] = [];
  queryWords.forEach((queryWord, q) => {
    const variant = chosen[q];
    if (!variant) return;
    const matchedFields = fieldNames.filter((_, f) => (variant.via === 'partial' ? fieldWords[f]!.includes(variant.term) : fieldTerms[f]!.has(variant.term)));
    matches.push({ word: queryWord.word, term: variant.term, via: variant.via, fields: matchedFields });
  });
  return matches;
}
