import { useState, type FormEvent } from 'react';
import { TRPCClientError } from '@trpc/client';
import { endedBecause, keyway, signedIn } from '../api.js';
import { domainCodeOf } from '../errors.js';
import { Field, Problem, useAction } from '../ui.js';

/** Username and password; then, for an account with a second factor, its code (or a recovery code). */
export function SignIn() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [mfaToken, setMfaToken] = useState<string>();
  const [code, setCode] = useState('');
  const { busy, error, run } = useAction();
  const ended = endedBecause();

  async function submitPassword(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      try {
        signedIn(await keyway.auth.login.mutate({ username, password }));
      } catch (caught) {
        if (domainCodeOf(caught) !== 'MFA_REQUIRED' || !(caught instanceof TRPCClientError)) throw caught;
        setMfaToken((caught.data as { mfaToken: string }).mfaToken);
        setPassword('');
      }
    });
  }

  async function submitCode(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      try {
        signedIn(await keyway.auth.completeLogin.mutate({ mfaToken: mfaToken!, code }));
      } catch (caught) {
        // A used or stale challenge cannot be retried: back to the password.
        if (domainCodeOf(caught) === 'INVALID_MFA_TOKEN') setMfaToken(undefined);
        throw caught;
      }
    });
  }

  return (
    <main id="main" className="sign-in">
      <h1>Keyway console</h1>
      {ended && <p role="status">{ended}</p>}
      {mfaToken === undefined ? (
        <form onSubmit={submitPassword} aria-busy={busy}>
          <Field label="Username" value={username} onChange={setUsername} autoComplete="username" autoFocus required />
          <Field label="Password" type="password" value={password} onChange={setPassword} autoComplete="current-password" required />
          <Problem error={error} />
          <button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      ) : (
        <form onSubmit={submitCode} aria-busy={busy}>
          <p>This account has a second factor.</p>
          <Field
            label="Code from your authenticator app"
            value={code}
            onChange={setCode}
            autoComplete="one-time-code"
            inputMode="numeric"
            hint="Six digits, or one of your recovery codes."
            autoFocus
            required
          />
          <Problem error={error} />
          <button type="submit" disabled={busy}>
            {busy ? 'Checking…' : 'Continue'}
          </button>
        </form>
      )}
    </main>
  );
}
