import { describe, expect, it } from 'vitest';
import { porterStem, terms, words } from '../../src/search/index.js';

describe('tokenisation', () => {
  it('splits snake, kebab, camel and Pascal case and digits', () => {
    expect(words('list_pull-requests getHTTPResponse AI2sql')).toEqual(['list', 'pull', 'requests', 'get', 'http', 'response', 'ai', '2', 'sql']);
  });

  it('drops stopwords and stems', () => {
    expect(terms('I want to create the branches')).toEqual(['creat', 'branch']);
  });

  it('removes accents and survives emoji and odd unicode', () => {
    expect(words('Café 🚀 naïve ‮evil​')).toEqual(['cafe', 'naive', 'evil']);
    expect(() => terms('\u0000\uFFFF\uD800 𝔘𝔫𝔦𝔠𝔬𝔡𝔢')).not.toThrow();
  });
});

describe('Porter stemmer', () => {
  it.each([
    ['caresses', 'caress'],
    ['ponies', 'poni'],
    ['connection', 'connect'],
    ['connected', 'connect'],
    ['connecting', 'connect'],
    ['relational', 'relat'],
    ['hopping', 'hop'],
    ['generalization', 'gener'],
    ['files', 'file'],
    ['created', 'creat'],
    ['create', 'creat'],
  ])('%s → %s', (word, stem) => {
    expect(porterStem(word)).toBe(stem);
  });
});
