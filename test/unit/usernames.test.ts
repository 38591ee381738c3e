import { describe, expect, it } from 'vitest';
import { usernameKey } from '../../src/core/usernames.js';

describe('usernameKey: NFKC, then case folding', () => {
  it.each([
    ['admin', 'ADMIN'],
    ['admin', 'Ａｄｍｉｎ'], // full-width forms
    ['straße', 'STRASSE'],
    ['ΟΔΥΣΣΕΥΣ', 'οδυσσευς'], // final sigma folds to σ
    ['ﬁle', 'FILE'], // the fi ligature
    ['café', 'cafe\u0301'], // composed and decomposed é
  ])('treats %s and %s as one username', (a, b) => {
    expect(usernameKey(a)).toBe(usernameKey(b));
  });

  it.each([
    ['admin', 'admin '],
    ['maria', 'mario'],
    ['ana', 'anа'], // Cyrillic а: a different letter, a different user
  ])('keeps %s and %s apart', (a, b) => {
    expect(usernameKey(a)).not.toBe(usernameKey(b));
  });
});
