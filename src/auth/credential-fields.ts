import { SwitchboardError } from '../errors.js';
import { storable } from '../json.js';
import type { ConnectionField } from './schemes.js';

/** What a secret looks like in listings: enough to recognise it, not to use it. */
export function maskSecret(value: string): string {
  // Stored as a hint: the last four code units may split a pair or hold a NUL from a provider's token.
  return value.length >= 12 ? storable(`••••${value.slice(-4)}`) : '••••';
}

const formats: Record<NonNullable<ConnectionField['format']>, { test: (value: string) => boolean; expected: string }> = {
  email: { test: (value) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value), expected: 'an email address such as name@example.com' },
  uuid: {
    test: (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value),
    expected: 'an identifier of the form XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX',
  },
  url: { test: (value) => URL.canParse(value) && /^https?:/i.test(value), expected: 'an http(s) URL' },
};

/**
 * Checks typed-in credentials against the scheme's fields. Returns the cleaned values (trimmed, empty
 * optional ones dropped) or throws VALIDATION_FAILED with one message per field in
 * `details.fields`, so a form can show each next to its input.
 */
export function checkCredentialFields(fields: readonly ConnectionField[], input: Record<string, unknown>): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const name of Object.keys(input)) {
    if (!fields.some((field) => field.name === name)) problems[name] = `Unknown field; this scheme takes ${fields.map((f) => f.name).join(', ') || 'none'}.`;
  }
  const values: Record<string, string> = {};
  for (const field of fields) {
    const raw = input[field.name];
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      problems[field.name] = `${field.label} must be text, not ${Array.isArray(raw) ? 'a list' : typeof raw}.`;
      continue;
    }
    const value = (raw ?? '').trim();
    if (value === '') {
      if (field.required) problems[field.name] = `${field.label} is required.`;
      continue;
    }
    if (value.length > field.max_length) problems[field.name] = `${field.label} is longer than ${field.max_length} characters.`;
    else if (/[\p{Cc}]/u.test(value)) problems[field.name] = `${field.label} contains control characters; paste it again without line breaks.`;
    else if (field.format && !formats[field.format].test(value)) problems[field.name] = `${field.label} must be ${formats[field.format].expected}.`;
    else values[field.name] = value;
  }
  const names = Object.keys(problems);
  if (names.length > 0) {
    const first = names[0]!;
    throw new SwitchboardError('VALIDATION_FAILED', `${problems[first]}${names.length > 1 ? ` (and ${names.length - 1} more)` : ''}`, {
      field: `credentials.${first}`,
      fields: problems,
    });
  }
  return values;
}

/** Masked hints of secret fields, plain values of the others (an email, an app id). */
export function credentialHints(fields: readonly ConnectionField[], values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    fields.filter((field) => values[field.name]).map((field) => [field.name, field.secret ? maskSecret(values[field.name]!) : values[field.name]!]),
  );
}
