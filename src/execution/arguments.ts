import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { SwitchboardError } from '../errors.js';

type AddFormats = (ajv: Ajv | Ajv2020) => unknown;

/** ajv takes ~130 ms to load: it is loaded with the first tool call, not at start-up. */
async function loadAjv(): Promise<{ draft2020: Ajv2020; draft07: Ajv }> {
  const [{ Ajv: Draft07 }, { Ajv2020: Draft2020 }, formatsModule] = await Promise.all([import('ajv'), import('ajv/dist/2020.js'), import('ajv-formats')]);
  // ajv-formats ships CommonJS; under ESM its function arrives as `default` of the module object.
  const addFormats = ((formatsModule as unknown as { default?: AddFormats }).default ?? formatsModule) as unknown as AddFormats;
  const options = { allErrors: true, strict: false, useDefaults: true, coerceTypes: false } as const;
  const draft2020 = new Draft2020(options);
  const draft07 = new Draft07(options);
  addFormats(draft2020);
  addFormats(draft07);
  return { draft2020, draft07 };
}

export interface ArgumentIssue {
  field: string;
  message: string;
}

function fieldOf(error: ErrorObject): string {
  const base = error.instancePath
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') base.push(String((error.params as { missingProperty: string }).missingProperty));
  if (error.keyword === 'additionalProperties') base.push(String((error.params as { additionalProperty: string }).additionalProperty));
  return base.join('.') || '(arguments)';
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not an argument of this tool';
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((value) => JSON.stringify(value)).join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/**
 * Validates tool arguments against the tool's JSON Schema (draft 2020-12 by default, draft-07 when
 * the schema says so), filling declared defaults. Compiled validators are cached per tool version.
 */
export function createArgumentValidator() {
  let engines: Promise<{ draft2020: Ajv2020; draft07: Ajv }> | undefined;
  const compiled = new Map<string, ValidateFunction>();

  async function validatorFor(cacheKey: string, schema: Record<string, unknown>): Promise<ValidateFunction> {
    let validate = compiled.get(cacheKey);
    if (!validate) {
      engines ??= loadAjv();
      const { draft2020, draft07 } = await engines;
      const isDraft07 = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07');
      try {
        validate = (isDraft07 ? draft07 : draft2020).compile(schema);
      } catch (error) {
        throw new SwitchboardError('INTERNAL', `The input schema of ${cacheKey} is not a valid JSON Schema: ${(error as Error).message}`);
      }
      compiled.set(cacheKey, validate);
    }
    return validate;
  }

  return {
    /** Returns the arguments with defaults applied, or throws VALIDATION_FAILED naming each bad field. */
    async validate(toolSlug: string, cacheKey: string, schema: Record<string, unknown>, input: unknown): Promise<Record<string, unknown>> {
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw new SwitchboardError('VALIDATION_FAILED', `Arguments of ${toolSlug} must be a JSON object.`, {
          issues: [{ field: '(arguments)', message: 'must be an object' }],
        });
      }
      const args = structuredClone(input) as Record<string, unknown>;
      const validate = await validatorFor(cacheKey, schema);
      if (validate(args)) return args;
      const issues: ArgumentIssue[] = (validate.errors ?? []).map((error) => ({ field: fieldOf(error), message: describe(error) }));
      const first = issues[0]!;
      throw new SwitchboardError(
        'VALIDATION_FAILED',
        `Invalid arguments for ${toolSlug}: "${first.field}" ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : ''}.`,
        { tool_slug: toolSlug, issues },
      );
    },
  };
}

export type ArgumentValidator = ReturnType<typeof createArgumentValidator>;
