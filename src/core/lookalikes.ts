import { createHash } from 'node:crypto';
import unhomoglyph from 'unhomoglyph';
import { usernameKey } from './usernames.js';

/**
 * UTS #39's skeleton: NFD, without default-ignorable characters, each
 * character replaced by its prototype in Unicode's confusables.txt (as
 * shipped by `unhomoglyph`), NFD again. Two strings that look alike have the
 * same skeleton: "paypal" with a Cyrillic а, "rn" and "m".
 */
export function skeleton(text: string): string {
  return unhomoglyph(text.normalize('NFD').replace(/\p{Default_Ignorable_Code_Point}/gu, '')).normalize('NFD');
}

/**
 * What usernames that look alike share, compared without case as usernames
 * are: the skeleton of the key, folded again (a prototype such as "O" for "0"
 * folds to a letter that may have a prototype of its own) until it settles,
 * which every character does within three rounds.
 */
export function lookalikeForm(username: string): string {
  let form = usernameKey(username);
  for (let round = 0; round < 4; round++) {
    const next = usernameKey(skeleton(form));
    if (next === form) break;
    form = next;
  }
  return form;
}

/** `lookalikeForm` as stored: its SHA-256, so that its unique index holds whatever the name's length. */
export function lookalikeKey(username: string): string {
  return createHash('sha256').update(lookalikeForm(username)).digest('base64url');
}
