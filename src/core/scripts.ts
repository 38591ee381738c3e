/**
 * Mixed-script detection for new usernames, after Unicode UTS #39 §5: a name
 * is refused unless it meets the "Moderately Restrictive" level. That is, it
 * is in one script (Common and Inherited characters such as digits, spaces and
 * accents go with any), or it is covered by Latin + Han + Hiragana + Katakana,
 * Latin + Han + Bopomofo or Latin + Han + Hangul, or by Latin and one other
 * Recommended script that is neither Cyrillic nor Greek, the two whose letters
 * pass for Latin ones. So "аdmin" with a Cyrillic а is refused; "Дмитрий",
 * "山田たろう" and "Ravi रवि" are not. The level's identifier profile is not
 * applied: usernames may hold spaces, punctuation and any script's letters.
 */

/**
 * Every script of Unicode 17 as its ISO 15924 code (test/unit checks that
 * each assigned character belongs to one of them). Zyyy is Common, Zinh Inherited.
 */
export const SCRIPTS = (
  'Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Berf Bhks Bopo Brah Brai Bugi Buhd Cakm Cans Cari ' +
  'Cham Cher Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Gara Geor Glag Gong Gonm Goth ' +
  'Gran Grek Gujr Gukh Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp Hung Ital Java Kali Kana Kawi Khar Khmr ' +
  'Khoj Kits Knda Krai Kthi Lana Laoo Latn Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend ' +
  'Merc Mero Mlym Modi Mong Mroo Mtei Mult Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Onao Orkh Orya Osge ' +
  'Osma Ougr Palm Pauc Perm Phag Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd Sidd Sidt ' +
  'Sind Sinh Sogd Sogo Sora Soyo Sund Sunu Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Tayo Telu Tfng Tglg Thaa ' +
  'Thai Tibt Tirh Tnsa Todr Tols Toto Tutg Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb Zinh Zyyy'
).split(' ');

/** Whether a character belongs to a script, by its Script_Extensions (a character can serve several). */
const MEMBERSHIP = SCRIPTS.map((code) => ({ code, test: new RegExp(`^\\p{Script_Extensions=${code}}$`, 'u') }));

/** UAX #31's Recommended scripts: those in modern use, not counting Common and Inherited. */
const RECOMMENDED = new Set(
  'Arab Armn Beng Bopo Cyrl Deva Ethi Geor Grek Gujr Guru Hang Hani Hebr Hira Kana Khmr Knda Laoo Latn Mlym Mymr Orya Sinh Taml Telu Thaa Thai Tibt'.split(
    ' ',
  ),
);
const LATIN_PARTNERS = new Set([...RECOMMENDED].filter((code) => !['Latn', 'Cyrl', 'Grek'].includes(code)));
const HIGHLY_RESTRICTIVE_SETS = [
  ['Latn', 'Hani', 'Hira', 'Kana'],
  ['Latn', 'Hani', 'Bopo'],
  ['Latn', 'Hani', 'Hang'],
];

/** The scripts a character may be written in, or undefined for one that goes with any (Common, Inherited). */
export function scriptsOf(character: string): Set<string> | undefined {
  const codes = new Set(MEMBERSHIP.filter(({ test }) => test.test(character)).map(({ code }) => code));
  if (codes.has('Zyyy') || codes.has('Zinh')) return undefined;
  if (codes.size === 0) codes.add('Zzzz'); // a script newer than this list: a script of its own
  // UTS #39's augmented sets: Japanese and Korean writing mix Han with kana or Hangul.
  if (codes.has('Hani')) ['Hanb', 'Jpan', 'Kore'].forEach((code) => codes.add(code));
  if (codes.has('Hira') || codes.has('Kana')) codes.add('Jpan');
  if (codes.has('Hang')) codes.add('Kore');
  if (codes.has('Bopo')) codes.add('Hanb');
  return codes;
}

/** Whether `text` meets UTS #39's Moderately Restrictive level (above). */
export function isModeratelyRestrictive(text: string): boolean {
  // ASCII is Latin letters and Common characters: the usual case, decided without compiling the tables.
  if (/^[\x00-\x7F]*$/.test(text)) return true;
  const sets = [...text].map(scriptsOf).filter((set) => set !== undefined);
  if (common(sets).size > 0) return true;
  const coveredBy = (scripts: string[]) => sets.every((set) => scripts.some((code) => set.has(code)));
  if (HIGHLY_RESTRICTIVE_SETS.some(coveredBy)) return true;
  // What Latin does not cover must be one other script, one that does not pass for Latin.
  const partners = common(sets.filter((set) => !set.has('Latn')));
  return [...partners].some((code) => LATIN_PARTNERS.has(code));
}

/** The scripts every set has; every script when there are no sets. */
function common(sets: Set<string>[]): Set<string> {
  if (sets.length === 0) return new Set(SCRIPTS);
  return new Set([...sets[0]!].filter((code) => sets.every((set) => set.has(code))));
}
