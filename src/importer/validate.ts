import type { Ajv2020 } from 'ajv/dist/2020.js';

type AddFormats = (ajv: Ajv2020) => unknown;
type SchemaChecker = (schema: Record<string, unknown>) => string | undefined;
let checker: Promise<SchemaChecker> | undefined;

/**
 * A check that a tool's input schema compiles with the executor's ajv settings
 * (src/execution/arguments.ts). ajv loads on first use, not at start-up.
 */
export function loadSchemaChecker(): Promise<SchemaChecker> {
  checker ??= Promise.all([import('ajv/dist/2020.js'), import('ajv-formats')]).then(([{ Ajv2020 }, formatsModule]) => {
    const addFormats = ((formatsModule as unknown as { default?: AddFormats }).default ?? formatsModule) as unknown as AddFormats;
    const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false, logger: false });
    addFormats(ajv);
    return (schema) => {
      try {
        ajv.compile(schema);
        return undefined;
      } catch (error) {
        return (error as Error).message.split('\n')[0];
      } finally {
        ajv.removeSchema(schema);
      }
    };
  });
  return checker;
}
