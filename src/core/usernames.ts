import { isModeratelyRestrictive } from './scripts.js';

/** The `username` column's width, and the most a new username may have once normalised too. */
export const USERNAME_MAX_LENGTH = 254;
/** The `username_key` column's width: no stored user has a longer key, so a login with one finds nobody. */
export const USERNAME_KEY_MAX_LENGTH = 1024;

/**
 * The key two usernames are compared by: NFKC, then full case folding, so
 * "Ａｄｍｉｎ", "ADMIN" and "admin" are one user, and so are "Straße" and
 * "STRASSE". Upper-then-lower casing gives full folding for all but the Greek
 * final sigma, which JavaScript lower-cases by context; folding maps it to σ.
 */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFKC');
}

/**
 * Why a new username is refused, or undefined. Names are shown back to
 * admins and users: nothing in one may hide (invisible, formatting and bidi
 * control characters), mix scripts that pass for one another (see
 * scripts.ts), or outgrow its column once normalised. A name that looks like
 * an existing one is refused by the database (lookalikes.ts).
 */
export function newUsernameProblem(username: string): string | undefined {
  if (username.length === 0) return 'is required';
  if (username.length > USERNAME_MAX_LENGTH || usernameKey(username).length > USERNAME_MAX_LENGTH) {
    return `must be at most ${USERNAME_MAX_LENGTH} characters, also once normalised`;
  }
  if (/\p{Cc}/u.test(username)) return 'must not contain control characters';
  if (/[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}]/u.test(username)) {
    return 'must not contain invisible or formatting characters';
  }
  if (/[\p{Cn}\p{Co}\p{Cs}]/u.test(username)) return 'must not contain unassigned or private-use characters';
  if (username.trim() !== username) return 'must not start or end with spaces';
  if (!isModeratelyRestrictive(username)) return 'must not mix scripts (Latin may go with one other, but not Cyrillic or Greek)';
  return undefined;
}
