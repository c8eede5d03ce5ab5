/**
 * A small SQL-92 `where` / `having` dialect, as Backendless accepts it:
 * comparisons `= != <> > < >= <=` against literals, `[NOT] LIKE '…'` (case-insensitive), `[NOT] IN (…)`,
 * `IS [NOT] NULL`, `AND` / `OR` / `NOT` and parentheses. Literals: 'single-quoted strings' ('' escapes a quote),
 * numbers, TRUE, FALSE, NULL. Fields may be dotted (relations) or aggregate calls such as `Count(objectId)` (having).
 */
import { invalidQuery } from './errors.js';
import { likeToRegExp } from './patterns.js';

export type Literal = string | number | boolean | null;
export type CompareOp = '=' | '!=' | '>' | '<' | '>=' | '<=';

export type WhereNode =
  | { kind: 'and' | 'or'; left: WhereNode; right: WhereNode }
  | { kind: 'not'; operand: WhereNode }
  | { kind: 'compare'; field: string; op: CompareOp; value: Literal }
  | { kind: 'like'; field: string; pattern: RegExp; negated: boolean }
  | { kind: 'in'; field: string; values: Literal[]; negated: boolean }
  | { kind: 'isNull'; field: string; negated: boolean };

type Token = { type: 'word'; text: string } | { type: 'string'; value: string } | { type: 'number'; value: number } | { type: 'symbol'; text: string };

const TOKEN = /\s*(?:('(?:[^']|'')*')|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(`[^`]+`|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)|(>=|<=|!=|<>|[=<>(),*]))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw invalidQuery(`unexpected character at position ${at} in '${text}'`);
    const [, quoted, number, word, symbol] = match;
    if (quoted !== undefined) tokens.push({ type: 'string', value: quoted.slice(1, -1).replaceAll("''", "'") });
    else if (number !== undefined) tokens.push({ type: 'number', value: Number(number) });
    else if (word !== undefined) tokens.push({ type: 'word', text: word.replaceAll('`', '') });
    else tokens.push({ type: 'symbol', text: symbol === '<>' ? '!=' : symbol! });
  }
  return tokens;
}

const AGGREGATES = ['count', 'sum', 'avg', 'min', 'max'];

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parse(): WhereNode {
    const node = this.or();
    if (this.peek()) throw this.error('unexpected trailing input');
    return node;
  }

  private error(detail: string) {
    return invalidQuery(`${detail} in '${this.source}'`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw this.error('unexpected end of clause');
    return token;
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (token?.type === 'word' && token.text.toUpperCase() === word) {
      this.position += 1;
      return true;
    }
    return false;
  }

  private symbol(text: string): boolean {
    const token = this.peek();
    if (token?.type === 'symbol' && token.text === text) {
      this.position += 1;
      return true;
    }
    return false;
  }

  private expectSymbol(text: string): void {
    if (!this.symbol(text)) throw this.error(`expected '${text}'`);
  }

  private or(): WhereNode {
    let node = this.and();
    while (this.keyword('OR')) node = { kind: 'or', left: node, right: this.and() };
    return node;
  }

  private and(): WhereNode {
    let node = this.unary();
    while (this.keyword('AND')) node = { kind: 'and', left: node, right: this.unary() };
    return node;
  }

  private unary(): WhereNode {
    if (this.keyword('NOT')) return { kind: 'not', operand: this.unary() };
    if (this.symbol('(')) {
      const node = this.or();
      this.expectSymbol(')');
      return node;
    }
    return this.predicate();
  }

  /** `name`, `rel.name` or `Count(objectId)` (normalised to lower-case function name). */
  private field(): string {
    const token = this.next();
    if (token.type !== 'word') throw this.error('expected a column name');
    if (AGGREGATES.includes(token.text.toLowerCase()) && this.symbol('(')) {
      const argument = this.next();
      const text = argument.type === 'word' ? argument.text : argument.type === 'symbol' && argument.text === '*' ? '*' : undefined;
      if (text === undefined) throw this.error('expected a column or * in the aggregate');
      this.expectSymbol(')');
      return `${token.text.toLowerCase()}(${text})`;
    }
    return token.text;
  }

  private literal(): Literal {
    const token = this.next();
    if (token.type === 'string' || token.type === 'number') return token.value;
    if (token.type === 'word') {
      const word = token.text.toUpperCase();
      if (word === 'TRUE') return true;
      if (word === 'FALSE') return false;
      if (word === 'NULL') return null;
    }
    throw this.error('expected a literal value (quote strings with single quotes)');
  }

  private predicate(): WhereNode {
    const field = this.field();
    if (this.keyword('IS')) {
      const negated = this.keyword('NOT');
      if (!this.keyword('NULL')) throw this.error('expected NULL after IS');
      return { kind: 'isNull', field, negated };
    }
    const negated = this.keyword('NOT');
    if (this.keyword('LIKE')) {
      const pattern = this.literal();
      if (typeof pattern !== 'string') throw this.error('LIKE needs a quoted string');
      return { kind: 'like', field, pattern: likeToRegExp(pattern), negated };
    }
    if (this.keyword('IN')) {
      this.expectSymbol('(');
      const values = [this.literal()];
      while (this.symbol(',')) values.push(this.literal());
      this.expectSymbol(')');
      return { kind: 'in', field, values, negated };
    }
    if (negated) throw this.error('expected LIKE or IN after NOT');
    const token = this.next();
    if (token.type !== 'symbol' || !['=', '!=', '>', '<', '>=', '<='].includes(token.text)) throw this.error(`expected an operator after '${field}'`);
    return { kind: 'compare', field, op: token.text as CompareOp, value: this.literal() };
  }
}

export function parseWhere(text: string): WhereNode {
  return new Parser(tokenize(text), text).parse();
}

/** Every field a clause mentions (to reject unknown columns). */
export function fieldsOf(node: WhereNode): string[] {
  if ('left' in node) return [...fieldsOf(node.left), ...fieldsOf(node.right)];
  if ('operand' in node) return fieldsOf(node.operand);
  return [node.field];
}

/** Orders two values; null when they cannot be compared (nulls, objects, mismatched kinds). */
export function compareValues(left: unknown, right: unknown): number | null {
  if (left === null || left === undefined || right === null || right === undefined) return null;
  if (typeof left === 'boolean' || typeof right === 'boolean') {
    const asNumber = (value: unknown) => (typeof value === 'boolean' ? Number(value) : typeof value === 'string' ? Number(value === 'true') : Number(value));
    return asNumber(left) - asNumber(right);
  }
  if (typeof left === 'number' || typeof right === 'number') {
    const toNumber = (value: unknown) => (typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN);
    let a = toNumber(left);
    let b = toNumber(right);
    if (Number.isNaN(a) && typeof left === 'string') a = Date.parse(left);
    if (Number.isNaN(b) && typeof right === 'string') b = Date.parse(right);
    return Number.isNaN(a) || Number.isNaN(b) ? null : a - b;
  }
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  return null;
}

function compare(value: unknown, op: CompareOp, literal: Literal): boolean {
  const order = compareValues(value, literal);
  if (order === null) return false;
  switch (op) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
  }
}

/** SQL semantics: NULL neither matches nor fails to match, so `NOT LIKE` / `NOT IN` skip rows without a value. */
function negatable(values: unknown[], negated: boolean, test: (value: unknown) => boolean): boolean {
  const present = values.filter((value) => value !== null && value !== undefined);
  const matched = present.some(test);
  return negated ? present.length > 0 && !matched : matched;
}

/** `lookup` returns the candidate values of a field (several for 1:N relations); a predicate holds if any does. */
export function evaluate(node: WhereNode, lookup: (field: string) => unknown[]): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, lookup) && evaluate(node.right, lookup);
    case 'or':
      return evaluate(node.left, lookup) || evaluate(node.right, lookup);
    case 'not':
      return !evaluate(node.operand, lookup);
    case 'compare':
      return lookup(node.field).some((value) => compare(value, node.op, node.value));
    case 'like':
      return negatable(
        lookup(node.field),
        node.negated,
        (value) => (typeof value === 'string' || typeof value === 'number') && node.pattern.test(String(value)),
      );
    case 'in':
      return negatable(lookup(node.field), node.negated, (value) => node.values.some((literal) => compare(value, '=', literal)));
    case 'isNull': {
      const isNull = lookup(node.field).every((value) => value === null || value === undefined);
      return node.negated ? !isNull : isNull;
    }
  }
}
