/** JSON with object keys sorted at every level: equal values give equal strings, whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

// PostgreSQL text and jsonb hold neither NUL nor UTF-16 surrogates that are not part of a pair.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this looks for
const unstorableCharacter = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorableCharacters = new RegExp(unstorableCharacter.source, 'g');

/** Why the database cannot store this text (a NUL, a lone surrogate), or undefined when it can. */
export function unstorableReason(text: string): string | undefined {
  const match = unstorableCharacter.exec(text);
  if (!match) return undefined;
  return match[0] === '\u0000'
    ? 'contains a NUL character (\\u0000), which cannot be stored'
    : 'contains a lone UTF-16 surrogate (not valid Unicode), which cannot be stored';
}

/** A JSON-like object: a literal, or a dictionary with a bare prototype (parsed query strings have one). */
const isPlainObject = (value: object): value is Record<string, unknown> => {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null || Object.getPrototypeOf(prototype) === null;
};

/**
 * The path of the first string (or object key) in a JSON-like value that the database cannot
 * store, and why; undefined when everything can be stored. Walks iteratively: depth cannot overflow.
 */
export function findUnstorableText(value: unknown): { path: string[]; reason: string } | undefined {
  interface Step {
    value: unknown;
    key?: string;
    parent?: Step;
  }
  const pathOf = (step: Step | undefined): string[] => {
    const path: string[] = [];
    for (let at = step; at?.key !== undefined; at = at.parent) path.unshift(at.key);
    return path;
  };
  const stack: Step[] = [{ value }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const current = step.value;
    if (typeof current === 'string') {
      const reason = unstorableReason(current);
      if (reason) return { path: pathOf(step), reason };
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) stack.push({ value: current[index], key: String(index), parent: step });
    } else if (current && typeof current === 'object' && isPlainObject(current)) {
      const keys = Object.keys(current);
      for (const key of keys) {
        const reason = unstorableReason(key);
        if (reason) return { path: pathOf(step), reason: `has a key that ${reason}` };
      }
      for (let index = keys.length - 1; index >= 0; index--) stack.push({ value: current[keys[index]!], key: keys[index]!, parent: step });
    }
  }
  return undefined;
}

/**
 * The value as the database can store it: in every string and object key, NUL characters and lone
 * surrogates become U+FFFD. For text from outside that must be kept anyway (upstream answers,
 * error messages); input from callers is refused instead. Returns the value itself when it is clean.
 */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return (unstorableCharacter.test(value) ? value.replace(unstorableCharacters, '\ufffd') : value) as T;
  if (value === null || typeof value !== 'object' || !findUnstorableText(value)) return value;
  return copyStorable(value) as T;
}

function copyStorable(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(copyStorable);
  if (value && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storable(key), copyStorable(item)]));
  }
  return value;
}
