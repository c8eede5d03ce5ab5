import { isRecord } from './parse.js';

export type RefLookup = { found: true; value: unknown } | { found: false; reason: string };

/** Follows a local JSON pointer (`#/components/schemas/Pet`) inside the document. */
export function lookupRef(document: Record<string, unknown>, ref: string): RefLookup {
  if (!ref.startsWith('#')) return { found: false, reason: `external $ref ${ref} is not supported (only local "#/…" references)` };
  if (ref === '#') return { found: true, value: document };
  if (!ref.startsWith('#/')) return { found: false, reason: `$ref ${ref} is not a JSON pointer` };
  let current: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    let part: string;
    try {
      part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return { found: false, reason: `$ref ${ref} is not a valid JSON pointer` };
    }
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isRecord(current) && Object.hasOwn(current, part)) current = current[part];
    else return { found: false, reason: `$ref ${ref} points to nothing in the document` };
  }
  return current === undefined ? { found: false, reason: `$ref ${ref} points to nothing in the document` } : { found: true, value: current };
}

/**
 * Resolves an object that may itself be a `$ref` (parameters, request bodies, path items),
 * following chains of references and stopping at cycles.
 */
export function resolveObject(document: Record<string, unknown>, value: unknown): { value: Record<string, unknown> } | { error: string } {
  let current = value;
  const seen = new Set<string>();
  while (isRecord(current) && typeof current.$ref === 'string') {
    const ref = current.$ref;
    if (seen.has(ref)) return { error: `$ref cycle through ${ref}` };
    seen.add(ref);
    const found = lookupRef(document, ref);
    if (!found.found) return { error: found.reason };
    current = found.value;
  }
  if (!isRecord(current)) return { error: 'not an object' };
  return { value: current };
}
