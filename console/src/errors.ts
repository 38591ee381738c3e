import { TRPCClientError } from '@trpc/client';

/** What a person is told for each of Keyway's domain codes: plain words, never the code alone. */
const SENTENCES: Record<string, string> = {
  UNAUTHENTICATED: 'You are not signed in, or your session ended. Sign in again.',
  TOKEN_EXPIRED: 'Your session expired. Sign in again.',
  FORBIDDEN: 'You are not allowed to do this.',
  USER_NOT_FOUND: 'There is no user with that name.',
  INVALID_PASSWORD: 'That password is not right.',
  USER_DISABLED: 'This account is disabled.',
  CONFLICT: 'That cannot be done now: it conflicts with what is there.',
  NOT_FOUND: 'It no longer exists. Reload the list.',
  TOO_MANY_REQUESTS: 'Too many attempts. Wait a little and try again.',
  INVALID_MFA_CODE: 'That code is not right. Use the current code from your app, or a recovery code.',
  INVALID_MFA_TOKEN: 'This sign-in took too long. Start again.',
  MFA_STEP_UP_REQUIRED: 'Sign in again with your second factor to do this.',
  DATABASE_UNAVAILABLE: 'Keyway cannot reach its database right now. Try again in a moment.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on Keyway’s side. Try again.',
};

interface DomainData {
  domainCode?: string;
  fields?: Record<string, string[]>;
  retryAfter?: number;
}

export function domainCodeOf(error: unknown): string | undefined {
  return error instanceof TRPCClientError ? (error.data as DomainData | undefined)?.domainCode : undefined;
}

/** The sentence for `error`: Keyway's own message for bad input and conflicts (they name the field), else the code's. */
export function messageOf(error: unknown): string {
  if (!(error instanceof TRPCClientError)) return 'Keyway cannot be reached. Check the connection and try again.';
  const data = error.data as DomainData | undefined;
  const code = data?.domainCode;
  if (code === 'BAD_USER_INPUT' || code === 'CONFLICT') {
    const fields = Object.entries(data?.fields ?? {}).map(([field, problems]) => `${field} ${problems.join(', ')}`);
    return fields.length > 0 ? `Check the form: ${fields.join('; ')}.` : `${error.message}.`.replace(/\.\.$/, '.');
  }
  if (code === 'TOO_MANY_REQUESTS' && data?.retryAfter) return `Too many attempts. Try again in ${data.retryAfter} seconds.`;
  return (code && SENTENCES[code]) ?? 'Something went wrong. Try again.';
}
