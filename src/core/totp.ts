import { randomBytes, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { hashSecretToken } from './refresh-tokens.js';

/**
 * RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second
 * steps; a code is accepted one step either side of now (clock drift). The
 * arithmetic is otpauth's.
 */
const TOTP_SETTINGS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
const DRIFT_STEPS = 1;

/** A new secret: 160 random bits (RFC 4226's recommended length), in base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/…` URI an authenticator app reads from a QR code. */
export function otpauthUri(secret: string, account: string, issuer: string): string {
  return new TOTP({ ...TOTP_SETTINGS, issuer, label: account, secret: Secret.fromBase32(secret) }).toString();
}

/** The step `code` belongs to, within the drift allowed around `now` (ms), or null when it is no code of the secret. */
export function totpStep(secret: string, code: string, now: number): number | null {
  const totp = new TOTP({ ...TOTP_SETTINGS, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token: code, timestamp: now, window: DRIFT_STEPS });
  return delta === null ? null : TOTP.counter({ period: TOTP_SETTINGS.period, timestamp: now }) + delta;
}

export const TOTP_CODE = /^\d{6}$/;

// Crockford's base32 without the letters read as digits: nothing to mistake when typed from paper.
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const RECOVERY_CODES = 10;

/** Ten single-use codes of 50 random bits each, shown as `xxxxx-xxxxx`, and what the database keeps of them. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODES }, () => {
    const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
  return { codes, hashes: codes.map((code) => recoveryCodeHash(code)!) };
}

/** A recovery code as typed (any case, with or without its dash or spaces) in its stored form, or null when it cannot be one. */
export function recoveryCodeHash(typed: string): string | null {
  const normalised = typed.toLowerCase().replace(/[\s-]/g, '');
  if (normalised.length !== 10 || ![...normalised].every((char) => RECOVERY_ALPHABET.includes(char))) return null;
  return hashSecretToken(normalised);
}

/** A challenge's `mfaToken`: 256 random bits. */
export function newMfaToken(): string {
  return randomBytes(32).toString('base64url');
}
