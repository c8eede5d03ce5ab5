import type { z } from 'zod';
import { SwitchboardError } from '../../errors.js';

/** Validates a translated request against Switchboard's own schema, as a 400 the SDK shows. */
export function asOurInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || '(body)';
  throw new SwitchboardError('VALIDATION_FAILED', `Invalid ${field}: ${issue.message}.`, { field });
}
