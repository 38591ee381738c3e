import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { lookalikeForm, lookalikeKey, skeleton } from '../../src/core/lookalikes.js';
import { isModeratelyRestrictive, SCRIPTS, scriptsOf } from '../../src/core/scripts.js';
import { newUsernameProblem, usernameKey } from '../../src/core/usernames.js';

/** confusables.txt as the package ships it: each character and its prototype. */
const confusables = createRequire(import.meta.url)('unhomoglyph/data.json') as Record<string, string>;

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

describe('skeleton: UTS #39, through Unicode confusables.txt', () => {
  it.each([
    ['paypal', 'p\u0430yp\u0430l'], // Cyrillic а
    ['scope', '\u0455\u0441\u043E\u0440\u0435'], // all Cyrillic
    ['rn', 'm'],
    ['l', '1'],
    ['O', '0'],
    ['admin', 'admin\u200B'], // default-ignorable characters are dropped
    ['é', 'e\u0301'],
  ])('maps %s and %s to one skeleton', (a, b) => {
    expect(skeleton(a)).toBe(skeleton(b));
  });

  it('is NFD, and leaves what confuses with nothing alone', () => {
    expect(skeleton('José')).toBe('Jose\u0301');
    expect(skeleton('山田')).toBe('山田');
  });
});

describe('lookalikeKey: skeletons compared without case', () => {
  it.each([
    ['admin', '\u0430dmin'],
    ['admin', 'ADRNIN'],
    ['bob', 'B0B'],
    ['cop', '\u0441\u043E\u0440'],
    ['admin', '𝐚𝐝𝐦𝐢𝐧'],
  ])('gives %s and %s one key', (a, b) => {
    expect(lookalikeKey(a)).toBe(lookalikeKey(b));
  });

  it.each([
    ['admin', 'admins'],
    ['Дмитрий', 'Dmitry'],
    ['山田', '山口'],
  ])('keeps %s and %s apart', (a, b) => {
    expect(lookalikeKey(a)).not.toBe(lookalikeKey(b));
  });

  it('settles for every character that has a prototype, in either case', () => {
    const unsettled = Object.keys(confusables)
      .flatMap((character) => [character, character.toUpperCase()])
      .filter((text) => lookalikeForm(lookalikeForm(text)) !== lookalikeForm(text));
    expect(unsettled).toEqual([]);
  });

  it('is a fixed-width digest, whatever the name', () => {
    expect(lookalikeKey('\uAC00'.repeat(254))).toMatch(/^[\w-]{43}$/);
  });
});

describe('newUsernameProblem', () => {
  it.each([
    ['', 'is required'],
    ['x'.repeat(255), 'must be at most 254 characters, also once normalised'],
    ['\uFDFA'.repeat(15), 'must be at most 254 characters, also once normalised'],
    [' admin', 'must not start or end with spaces'],
    ['ad\tmin', 'must not contain control characters'],
    ['\uFEFFadmin', 'must not contain invisible or formatting characters'],
    ['admin\u2060', 'must not contain invisible or formatting characters'],
    ['admin\u{E0001}', 'must not contain invisible or formatting characters'],
    ['admin\u0378', 'must not contain unassigned or private-use characters'],
    ['admin\uD800', 'must not contain unassigned or private-use characters'],
    ['\u0430dmin', 'must not mix scripts (Latin may go with one other, but not Cyrillic or Greek)'],
    ['Tokyo Ελλάδα', 'must not mix scripts (Latin may go with one other, but not Cyrillic or Greek)'],
    ['ravi रवि علي', 'must not mix scripts (Latin may go with one other, but not Cyrillic or Greek)'],
    ['Seoul 서울 とうきょう', 'must not mix scripts (Latin may go with one other, but not Cyrillic or Greek)'],
  ])('refuses %j: %s', (username, problem) => {
    expect(newUsernameProblem(username)).toBe(problem);
  });

  it.each(['admin', 'ana.maría@example.com', 'Дмитрий', '山田たろう', 'Seoul 서울 漢字', 'Ravi रवि', '123', 'joão_42', '🙂 smile', 'ﬁle'])(
    'accepts %j',
    (username) => {
      expect(newUsernameProblem(username)).toBeUndefined();
    },
  );
});

describe('scripts', () => {
  it('know the script of every assigned character', () => {
    const known = new RegExp(SCRIPTS.map((code) => `\\p{Script=${code}}`).join('|'), 'u');
    const unknown: string[] = [];
    for (let code = 0; code <= 0x10ffff; code++) {
      const character = String.fromCodePoint(code);
      if (!/[\p{Cn}\p{Co}\p{Cs}]/u.test(character) && !known.test(character)) unknown.push(code.toString(16));
    }
    expect(unknown).toEqual([]);
  });

  it('let Common characters go with any script, and a mark with each script it serves', () => {
    expect(scriptsOf('1')).toBeUndefined();
    expect([...scriptsOf('\u0301')!]).toEqual(expect.arrayContaining(['Latn', 'Cyrl', 'Grek']));
    expect(isModeratelyRestrictive('Дмитрии\u0306-2')).toBe(true);
    expect(isModeratelyRestrictive('Jose\u0301 42')).toBe(true);
  });
});
