export { convertOpenApi, type ImportOptions, type ImportResult, type ImportSummary, versionFor } from './convert.js';
export { parseSpec } from './parse.js';
export { createImporter, fetchSpec, type Importer, type ImportOutcome, type ImportRequest, maxSpecBytes, type SpecFetch } from './service.js';
