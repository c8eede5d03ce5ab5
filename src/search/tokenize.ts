import { porterStem } from './stemmer.js';

/** Words too common in requests to tell tools apart. Kept small: IDF handles the rest. */
const stopwords = new Set(
  (
    'a about above after again all also am an and any are as at be because been before being below between both but by can could did do does doing ' +
    'down during each few for from further had has have having he her here hers him his how i if in into is it its itself just me more most my myself ' +
    'no nor not now of off on once only or other our ours out over own please same she should so some such than that the their them then there these ' +
    'they this those through to too under until up very was we were what when where which while who whom why will with would you your yours ' +
    "i'm im i'd id i've ive let lets like want wanted wants need needs needed help hi hello hey thanks thank tell give know way really " +
    'something anything someone somebody able sure maybe kind sort'
  ).split(' '),
);

/** Maximum characters of one text that are tokenised: longer input is cut, never an error. */
export const maxTextLength = 8192;

/**
 * Splits text into lower-case words: snake_case, kebab-case, camelCase, PascalCase and letter/digit
 * boundaries ("AI2sql" → ai, 2, sql; "getHTTPResponse" → get, http, response). Accents are removed.
 */
export function words(text: string): string[] {
  const cut = text.length > maxTextLength ? text.slice(0, maxTextLength) : text;
  return cut
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .replace(/(\p{L})(\p{N})/gu, '$1 $2')
    .replace(/(\p{N})(\p{L})/gu, '$1 $2')
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

export function isStopword(word: string): boolean {
  return stopwords.has(word);
}

/** Index terms: words without stopwords, Porter-stemmed. Single letters are dropped. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of words(text)) {
    if (word.length < 2 && !/\d/.test(word)) continue;
    if (stopwords.has(word)) continue;
    out.push(porterStem(word));
  }
  return out;
}

export { porterStem };
