import { porterStem } from './stemmer.js';

/**
 * Related words of everyday tool-use vocabulary: actions (create, delete, list…), the common kinds
 * of things apps handle (mail, files, images, events…) and spelling variants. A query word also
 * matches the others of its group, at a lower weight than itself. General on purpose: nothing here
 * names a particular app or tool.
 */
const groups: string[] = [
  // actions
  'create make add new generate build compose start insert produce',
  'delete remove erase destroy drop discard purge',
  'update edit modify change rename alter adjust patch',
  'list show get fetch find search look lookup retrieve browse view display query discover',
  'send post publish share deliver',
  'upload attach import',
  'download export save',
  'convert transform conversion',
  'summary summarize summarise digest overview recap',
  'analyze analyse analysis insight report statistics stats metric analytics',
  'calculate compute calculator math equation',
  'translate translation translator language',
  'recommend recommendation suggest suggestion advice',
  'compare comparison versus',
  'cancel stop abort',
  'track tracking monitor watch follow',
  'explain describe definition meaning define',
  'check verify validate test',
  // things
  'email mail inbox mailbox',
  'message chat conversation dm sms text',
  'notify notification alert reminder',
  'file document doc attachment pdf',
  'image picture photo pic photograph illustration drawing',
  'video movie film clip',
  'music song audio track playlist podcast',
  'weather forecast temperature rain climate',
  'calendar schedule event meeting appointment agenda',
  'book reserve reservation booking',
  'buy purchase shop shopping store order',
  'product item goods merchandise',
  'price cost fee cheap deal discount sale',
  'job career employment hire hiring vacancy recruit',
  'resume cv',
  'travel trip flight hotel vacation holiday destination journey',
  'restaurant food meal recipe dish cook cooking dinner lunch',
  'stock finance financial market invest investment trading share',
  'crypto cryptocurrency bitcoin blockchain',
  'news article headline',
  'learn course study education tutor lesson class teach',
  'code program script programming developer',
  'map location place address direction nearby route',
  'health medical doctor symptom medicine',
  'user account profile member',
  'issue ticket bug task todo',
  'repository repo project',
  'comment reply review feedback',
  'pay payment invoice bill billing charge',
  'contact person people',
  'word dictionary vocabulary',
  'note memo',
  'link url website web page site',
  'game play puzzle',
  'car vehicle automobile',
  'house home property apartment rent',
  'sport football soccer basketball match',
  'question answer ask quiz',
  'write writing essay content copywriting',
  'diagram chart graph visualization visualize',
  'password secret credential token',
  'job work',
  'organize organise',
  'color colour',
];

const related = new Map<string, Set<string>>();
for (const group of groups) {
  const stems = [...new Set(group.split(' ').map(porterStem))];
  for (const stem of stems) {
    const set = related.get(stem) ?? new Set<string>();
    for (const other of stems) if (other !== stem) set.add(other);
    related.set(stem, set);
  }
}

/** Stems related to `stem` (not itself). */
export function relatedTerms(stem: string): readonly string[] {
  const set = related.get(stem);
  return set ? [...set] : [];
}
