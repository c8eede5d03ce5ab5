import { describe, expect, it } from 'vitest';
import { ToolIndex } from '../../src/search/index.js';
import { catalog } from './fixture.js';

function indexed() {
  const index = new ToolIndex();
  index.add(catalog);
  return index;
}

const top = (index: ToolIndex, query: string, options = {}) => index.search(query, { limit: 3, ...options }).map((hit) => hit.id);

describe('ranking', () => {
  it('puts the tool whose name matches first', () => {
    const index = indexed();
    expect(top(index, 'create a branch in my repo')[0]).toBe('GIT_CREATE_BRANCH');
    expect(top(index, 'remove the feature branch')[0]).toBe('GIT_DELETE_BRANCH');
    expect(top(index, 'send a mail to Bob')[0]).toBe('MAIL_SEND_EMAIL');
  });

  it('reaches related words and parts of compound names', () => {
    const index = indexed();
    expect(top(index, 'will it rain tomorrow in Paris, forecast please')[0]).toBe('WEATHER_FORECAST');
    expect(top(index, 'add a picture to my album')[0]).toBe('PHOTOS_UPLOAD');
    expect(top(index, 'make a QR code')).toContain('qreator');
  });

  it('explains which words matched which fields', () => {
    const [hit] = indexed().search('create branch', { limit: 1 });
    expect(hit!.matches).toEqual(
      expect.arrayContaining([expect.objectContaining({ word: 'create', fields: expect.arrayContaining(['name', 'description']) })]),
    );
    const [related] = indexed().search('make a branch', { limit: 1 });
    expect(related!.matches.find((match) => match.word === 'make')).toMatchObject({ via: 'related', term: 'creat' });
  });
});

describe('allowed-set filtering', () => {
  it('never returns a tool outside the allowed set, and fills the top-k with allowed ones', () => {
    const index = indexed();
    const allowed = new Set(['GIT_DELETE_BRANCH', 'GIT_LIST_ISSUES']);
    const hits = index.search('create a branch', { allowed, limit: 5 });
    expect(hits.map((hit) => hit.id)).toEqual(['GIT_DELETE_BRANCH']);
    expect(index.search('branch', { allowed: new Set(['NOT_A_TOOL']) })).toEqual([]);
    expect(index.search('branch', { toolkits: ['mail'] })).toEqual([]);
  });
});

describe('incremental updates', () => {
  it('adds, replaces and removes one toolkit without touching the others', () => {
    const index = indexed();
    index.replaceToolkit('git', [{ id: 'GIT_MERGE', toolkit: 'git', name: 'Merge pull request', description: 'Merges a pull request.' }]);
    expect(index.size).toBe(catalog.length - 4 + 1);
    expect(top(index, 'create a branch')).not.toContain('GIT_CREATE_BRANCH');
    expect(top(index, 'merge the pull request')[0]).toBe('GIT_MERGE');
    expect(index.removeToolkit('mail')).toBe(1);
    expect(top(index, 'send email')).not.toContain('MAIL_SEND_EMAIL');
    index.add([catalog[4]!]);
    expect(top(index, 'send email')[0]).toBe('MAIL_SEND_EMAIL');
    // Same results as a fresh index over the same documents.
    const fresh = new ToolIndex();
    fresh.add([catalog.slice(4, 8), [{ id: 'GIT_MERGE', toolkit: 'git', name: 'Merge pull request', description: 'Merges a pull request.' }]].flat());
    for (const query of ['send email', 'merge request', 'weather', 'photo upload'])
      expect(index.search(query).map((hit) => [hit.id, hit.score.toFixed(6)])).toEqual(fresh.search(query).map((hit) => [hit.id, hit.score.toFixed(6)]));
  });

  it('reports build progress', () => {
    const seen: number[] = [];
    new ToolIndex().add(catalog, ({ done }) => seen.push(done));
    expect(seen.at(-1)).toBe(catalog.length);
  });
});

describe('bad input', () => {
  it('empty, huge, unicode and emoji queries give results or nothing, never an error', () => {
    const index = indexed();
    expect(index.search('')).toEqual([]);
    expect(index.search('   the a of ')).toEqual([]);
    expect(index.search('🚀🔥💯')).toEqual([]);
    expect(() => index.search('branch '.repeat(15_000))).not.toThrow();
    expect(() => index.search('x'.repeat(100_000))).not.toThrow();
    expect(() => index.search('\uD800\u0000 𝔘𝔫𝔦 ‮ brañch')).not.toThrow();
    expect(new ToolIndex().search('anything')).toEqual([]);
  });
});
