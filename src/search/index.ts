export { createEmbeddingsReranker, type EmbeddingsConfig, embeddingText, type Reranker } from './embeddings.js';
export {
  type BuildProgress,
  defaultWeights,
  type FieldName,
  fieldNames,
  type Match,
  type RankingWeights,
  type SearchHit,
  type SearchOptions,
  type ToolDocument,
  ToolIndex,
} from './engine.js';
export { porterStem } from './stemmer.js';
export { relatedTerms } from './synonyms.js';
export { terms, words } from './tokenize.js';
