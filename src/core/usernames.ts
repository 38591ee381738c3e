/**
 * The key two usernames are compared by: NFKC, then full case folding, so
 * "Ａｄｍｉｎ", "ADMIN" and "admin" are one user, and so are "Straße" and
 * "STRASSE". Upper-then-lower casing gives full folding for all but the Greek
 * final sigma, which JavaScript lower-cases by context; folding maps it to σ.
 */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFKC');
}
