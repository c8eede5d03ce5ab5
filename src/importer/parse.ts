import { parse as parseYaml } from 'yaml';
import { SwitchboardError } from '../errors.js';

export type SpecDialect = 'openapi3' | 'swagger2';

export interface ParsedSpec {
  document: Record<string, unknown>;
  dialect: SpecDialect;
  /** `openapi` or `swagger` field as written (e.g. "3.0.0", "3.1.0", "2.0"). */
  specVersion: string;
}

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof httpMethods)[number];
export { httpMethods };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Text (JSON or YAML) to a value; a clear 400 when it is neither. */
function parseText(text: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.length === 0) throw new SwitchboardError('VALIDATION_FAILED', 'The OpenAPI description is empty.', { field: 'spec' });
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch (error) {
      throw new SwitchboardError('VALIDATION_FAILED', `The OpenAPI description is not valid JSON: ${(error as Error).message}.`, { field: 'spec' });
    }
  }
  try {
    // The yaml package caps alias expansion (maxAliasCount), so a "billion laughs" file fails instead of exploding.
    return parseYaml(trimmed, { uniqueKeys: false }) as unknown;
  } catch (error) {
    const first = (error as Error).message.split('\n')[0];
    throw new SwitchboardError('VALIDATION_FAILED', `The OpenAPI description is neither JSON nor valid YAML: ${first}.`, { field: 'spec' });
  }
}

/**
 * Accepts a parsed object or JSON/YAML text and checks it is an OpenAPI 3.x or Swagger 2.0
 * description with at least one path: the checks that decide whether importing makes sense at all.
 */
export function parseSpec(input: unknown): ParsedSpec {
  const value = typeof input === 'string' ? parseText(input) : input;
  if (!isRecord(value)) {
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      'The OpenAPI description must be an object (JSON or YAML mapping) with "openapi" or "swagger" and "paths".',
      {
        field: 'spec',
      },
    );
  }
  let dialect: SpecDialect;
  let specVersion: string;
  if (typeof value.openapi === 'string' && /^3\./.test(value.openapi)) {
    dialect = 'openapi3';
    specVersion = value.openapi;
  } else if (String(value.swagger ?? '') === '2.0') {
    dialect = 'swagger2';
    specVersion = '2.0';
  } else {
    const seen = value.openapi ?? value.swagger;
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      seen === undefined
        ? 'This is not an OpenAPI description: it has neither an "openapi" (3.x) nor a "swagger" ("2.0") field.'
        : `Unsupported OpenAPI version ${JSON.stringify(seen)}; Switchboard imports OpenAPI 3.0/3.1 and Swagger 2.0.`,
      { field: 'spec' },
    );
  }
  if (!isRecord(value.paths) || Object.keys(value.paths).length === 0) {
    throw new SwitchboardError('VALIDATION_FAILED', 'The OpenAPI description has no "paths", so there is no operation to import.', { field: 'spec.paths' });
  }
  return { document: value, dialect, specVersion };
}

export { isRecord };
