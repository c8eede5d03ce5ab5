import { badRequest } from './errors.js';

/**
 * A small evaluator for Bitbucket's query language (BBQL), enough for tests:
 * `field op value` with `=`, `!=`, `~`, `!~`, `>`, `>=`, `<`, `<=`, `IN (…)`, `NOT IN (…)`, joined by `AND`/`OR`
 * and parentheses. Values are double-quoted strings, numbers, `true`/`false`/`null` or bare datetimes. Fields are
 * dotted paths into the rendered JSON object; a missing field compares as `null`. Malformed queries get a 400.
 */
export type Predicate = (item: unknown) => boolean;

type Value = string | number | boolean | null;
type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: 'op'; text: string } | { kind: 'punct'; text: string };

const comparisonOperators = ['!=', '!~', '>=', '<=', '=', '~', '>', '<'];

export function compileQuery(query: string): Predicate {
  const parser = new Parser(tokenize(query));
  const predicate = parser.parseOr();
  parser.expectEnd();
  return predicate;
}

/** Reads a dotted path (`project.key`) out of a rendered object. */
export function readPath(item: unknown, path: string): unknown {
  let current: unknown = item;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return null;
    current = (current as Record<string, unknown>)[key];
  }
  return current ?? null;
}

function invalid(message: string): Error {
  return badRequest(`Invalid query: ${message}`);
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < query.length) {
    const char = query[index]!;
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === '"') {
      let text = '';
      index += 1;
      while (index < query.length && query[index] !== '"') {
        if (query[index] === '\\' && index + 1 < query.length) index += 1;
        text += query[index];
        index += 1;
      }
      if (index >= query.length) throw invalid('unterminated string');
      index += 1;
      tokens.push({ kind: 'string', text });
    } else if ('(),'.includes(char)) {
      tokens.push({ kind: 'punct', text: char });
      index += 1;
    } else {
      const operator = comparisonOperators.find((candidate) => query.startsWith(candidate, index));
      if (operator) {
        tokens.push({ kind: 'op', text: operator });
        index += operator.length;
        continue;
      }
      const word = /^[^\s()",=!~<>]+/.exec(query.slice(index))?.[0];
      if (!word) throw invalid(`unexpected character ${char}`);
      tokens.push({ kind: 'word', text: word });
      index += word.length;
    }
  }
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parseOr(): Predicate {
    const alternatives = [this.parseAnd()];
    while (this.peekKeyword('OR')) {
      this.position += 1;
      alternatives.push(this.parseAnd());
    }
    return alternatives.length === 1 ? alternatives[0]! : (item) => alternatives.some((predicate) => predicate(item));
  }

  expectEnd(): void {
    if (this.position < this.tokens.length) throw invalid(`unexpected ${this.tokens[this.position]!.text}`);
  }

  private parseAnd(): Predicate {
    const conditions = [this.parseTerm()];
    while (this.peekKeyword('AND')) {
      this.position += 1;
      conditions.push(this.parseTerm());
    }
    return conditions.length === 1 ? conditions[0]! : (item) => conditions.every((predicate) => predicate(item));
  }

  private parseTerm(): Predicate {
    const token = this.next('a field name or (');
    if (token.kind === 'punct' && token.text === '(') {
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    if (token.kind !== 'word' || !/^[A-Za-z_][\w.]*$/.test(token.text)) throw invalid(`expected a field name, got ${token.text}`);
    const field = token.text;
    if (this.peekKeyword('IN') || this.peekKeyword('NOT')) return this.parseMembership(field);
    const operator = this.next('an operator');
    if (operator.kind !== 'op') throw invalid(`expected an operator after ${field}`);
    const expected = this.parseValue();
    return (item) => compare(readPath(item, field), operator.text, expected);
  }

  private parseMembership(field: string): Predicate {
    const negated = this.peekKeyword('NOT');
    if (negated) this.position += 1;
    if (!this.peekKeyword('IN')) throw invalid('expected IN');
    this.position += 1;
    this.expectPunct('(');
    const values = [this.parseValue()];
    while (this.tokens[this.position]?.text === ',') {
      this.position += 1;
      values.push(this.parseValue());
    }
    this.expectPunct(')');
    return (item) => values.some((value) => compare(readPath(item, field), '=', value)) !== negated;
  }

  private parseValue(): Value {
    const token = this.next('a value');
    if (token.kind === 'string') return token.text;
    if (token.kind !== 'word') throw invalid(`expected a value, got ${token.text}`);
    if (token.text === 'true' || token.text === 'false') return token.text === 'true';
    if (token.text === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(token.text)) return Number(token.text);
    if (/^\d{4}-\d{2}-\d{2}/.test(token.text) && !Number.isNaN(Date.parse(token.text))) return token.text;
    throw invalid(`strings must be double-quoted: ${token.text}`);
  }

  private peekKeyword(keyword: string): boolean {
    const token = this.tokens[this.position];
    return token?.kind === 'word' && token.text.toUpperCase() === keyword;
  }

  private expectPunct(text: string): void {
    const token = this.next(text);
    if (token.text !== text || token.kind !== 'punct') throw invalid(`expected ${text}, got ${token.text}`);
  }

  private next(what: string): Token {
    const token = this.tokens[this.position];
    if (!token) throw invalid(`expected ${what} at the end`);
    this.position += 1;
    return token;
  }
}

function compare(actual: unknown, operator: string, expected: Value): boolean {
  if (Array.isArray(actual)) return actual.some((element) => compare(element, operator, expected));
  switch (operator) {
    case '=':
      return normalise(actual) === normalise(expected);
    case '!=':
      return normalise(actual) !== normalise(expected);
    case '~':
      return typeof actual === 'string' && actual.toLowerCase().includes(String(expected).toLowerCase());
    case '!~':
      return !(typeof actual === 'string' && actual.toLowerCase().includes(String(expected).toLowerCase()));
    default:
      return order(actual, expected, operator);
  }
}

function normalise(value: unknown): unknown {
  return value === undefined ? null : value;
}

function order(actual: unknown, expected: Value, operator: string): boolean {
  if (actual === null || actual === undefined || expected === null) return false;
  const [left, right] =
    typeof expected === 'string' && typeof actual === 'string' && !Number.isNaN(Date.parse(expected)) && !Number.isNaN(Date.parse(actual))
      ? [Date.parse(actual), Date.parse(expected)]
      : [actual as number | string, expected as number | string];
  if (operator === '>') return left > right;
  if (operator === '>=') return left >= right;
  if (operator === '<') return left < right;
  return left <= right;
}
