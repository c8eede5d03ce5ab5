import { SwitchboardError } from '../errors.js';

/**
 * Value templates of toolkit definitions (see catalog/definition.ts): `$name` / `$name.path`
 * take a value from the scope, absent values drop their key, objects left empty are dropped,
 * `$$…` is a literal string starting with `$`.
 */
const absent = Symbol('absent');
type Rendered = unknown | typeof absent;

function lookup(scope: Record<string, unknown>, expression: string): Rendered {
  let value: unknown = scope;
  for (const part of expression.split('.')) {
    if (value === null || typeof value !== 'object' || !(part in (value as object))) return absent;
    value = (value as Record<string, unknown>)[part];
  }
  return value === undefined ? absent : value;
}

function renderValue(template: unknown, scope: Record<string, unknown>): Rendered {
  if (typeof template === 'string') {
    if (template.startsWith('$$')) return template.slice(1);
    if (template.startsWith('$')) return lookup(scope, template.slice(1));
    return template;
  }
  if (Array.isArray(template)) {
    return template.map((item) => renderValue(item, scope)).filter((item) => item !== absent);
  }
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      const rendered = renderValue(value, scope);
      if (rendered !== absent) out[key] = rendered;
    }
    return Object.keys(out).length === 0 && Object.keys(template).length > 0 ? absent : out;
  }
  return template;
}

/** Renders a template; `undefined` when everything in it was absent. */
export function renderTemplate(template: unknown, scope: Record<string, unknown>): unknown {
  const rendered = renderValue(template, scope);
  return rendered === absent ? undefined : rendered;
}

/**
 * Fills `{name}` (one URL-encoded segment) and `{+name}` (slashes kept, each segment encoded)
 * in a path or base URL from `values`.
 */
export function renderPath(template: string, values: Record<string, unknown>, what = 'argument'): string {
  return template.replace(/\{(\+?)([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, reserved: string, name: string) => {
    const value = values[name];
    if (value === undefined || value === null || value === '') {
      throw new SwitchboardError('VALIDATION_FAILED', `The ${what} "${name}" is required to build the request URL.`, { field: name });
    }
    const text = String(value);
    const segments = reserved ? text.split('/') : [text];
    // URL parsing resolves `.` and `..` (encoded or not): an argument must not climb out of its place.
    if (segments.some((segment) => /^(\.|%2e){1,2}$/i.test(segment))) {
      throw new SwitchboardError('VALIDATION_FAILED', `The ${what} "${name}" may not contain "." or ".." path segments.`, { field: name });
    }
    return segments.map(encodeURIComponent).join('/');
  });
}
