import { describe, expect, it } from 'vitest';
import { SwitchboardError } from '../../src/errors.js';
import { renderPath, renderTemplate } from '../../src/execution/index.js';

describe('value templates', () => {
  it('take arguments, drop absent ones and prune emptied objects', () => {
    expect(renderTemplate({ a: '$x', b: { c: '$missing' }, d: ['$x', '$missing'], e: '$$lit', f: 3 }, { x: 1 })).toEqual({ a: 1, d: [1], e: '$lit', f: 3 });
    expect(renderTemplate('$missing', {})).toBeUndefined();
    expect(renderTemplate('$a.b', { a: { b: 'deep' } })).toBe('deep');
    expect(renderTemplate('$user-token', { 'user-token': 't' })).toBe('t');
  });
});

describe('path templates', () => {
  it('encode one segment, or keep slashes with {+name}', () => {
    expect(renderPath('/a/{x}', { x: 'b/c d' })).toBe('/a/b%2Fc%20d');
    expect(renderPath('/files/{+p}', { p: 'dir/a b.txt' })).toBe('/files/dir/a%20b.txt');
  });

  it('refuse dot segments that would climb out of the path', () => {
    for (const [template, value] of [
      ['/files/{+p}', '../data/Users/x'],
      ['/files/{+p}', 'a/./b'],
      ['/notes/{id}', '..'],
      ['/notes/{id}', '%2e%2E'],
    ] as const) {
      expect(() => renderPath(template, { p: value, id: value }), value).toThrow(SwitchboardError);
    }
  });

  it('name a missing variable', () => {
    expect(() => renderPath('/a/{x}', {})).toThrow(/"x" is required/);
  });
});
