import { useEffect, useState, type FormEvent } from 'react';
import QRCode from 'qrcode';
import { claims, keyway } from '../api.js';
import { Field, Problem, Section, ShownOnce, useAction } from '../ui.js';
import { SessionList } from './Sessions.js';

/** Everyone's own page: password, second factor, sessions. */
export function Account() {
  return (
    <>
      <ChangePassword />
      <SecondFactor />
      <Section title="Your sessions">
        <SessionList />
      </Section>
    </>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    if (await run(() => keyway.auth.changePassword.mutate({ current, next }))) {
      setCurrent('');
      setNext('');
      setDone(true);
    }
  }
  return (
    <Section title="Password">
      <form onSubmit={submit} className="inline" aria-busy={busy}>
        <Field label="Current password" type="password" value={current} onChange={setCurrent} autoComplete="current-password" required />
        <Field label="New password" type="password" value={next} onChange={setNext} autoComplete="new-password" hint="At least 8 characters." required />
        <button type="submit" disabled={busy}>
          Change password
        </button>
      </form>
      <Problem error={error} />
      {done && <p role="status">Password changed. Your other sessions were ended.</p>}
    </Section>
  );
}

function SecondFactor() {
  // A session signed in with a code has a second factor; one enrolled here has one from now on.
  const [enabled, setEnabled] = useState(() => claims().amr?.includes('otp') ?? false);
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUri: string }>();
  const [qr, setQr] = useState<string>();
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[]>();
  const { busy, error, run } = useAction();

  useEffect(() => {
    // Drawn here, never sent anywhere: the secret stays between Keyway and this page.
    if (enrolment) void QRCode.toDataURL(enrolment.otpauthUri, { margin: 1, width: 220 }).then(setQr);
  }, [enrolment]);

  async function confirm(event: FormEvent) {
    event.preventDefault();
    const codes = await run(() => keyway.mfa.confirmTotp.mutate({ code }));
    if (!codes) return;
    setRecoveryCodes(codes);
    setEnrolment(undefined);
    setEnabled(true);
    setCode('');
  }

  return (
    <Section title="Two-factor authentication">
      {recoveryCodes && <ShownOnce label="Recovery codes" value={recoveryCodes.join('\n')} />}
      {enabled ? (
        <>
          <p>On: signing in asks for a code from your authenticator app.</p>
          <form
            className="inline"
            onSubmit={(event) => {
              event.preventDefault();
              void run(async () => {
                setRecoveryCodes(await keyway.mfa.regenerateRecoveryCodes.mutate({ password }));
                setPassword('');
              });
            }}
          >
            <Field label="Your password" type="password" value={password} onChange={setPassword} autoComplete="current-password" required />
            <button type="submit" disabled={busy}>
              New recovery codes
            </button>
            <button
              type="button"
              className="danger"
              disabled={busy || !password}
              onClick={() =>
                void run(async () => {
                  await keyway.mfa.disable.mutate({ password });
                  setPassword('');
                  setEnabled(false);
                  setRecoveryCodes(undefined);
                })
              }
            >
              Turn off
            </button>
          </form>
        </>
      ) : enrolment ? (
        <form onSubmit={confirm} aria-busy={busy}>
          <p>Scan this code with your authenticator app, or type the key in it, then enter the code it shows.</p>
          {qr && <img src={qr} width={220} height={220} alt="QR code of the key shown below" />}
          <p>
            Key: <code className="secret">{enrolment.secret}</code>
          </p>
          <Field label="Code from the app" value={code} onChange={setCode} autoComplete="one-time-code" inputMode="numeric" required />
          <button type="submit" disabled={busy}>
            Turn on
          </button>
        </form>
      ) : (
        <>
          <p>Off: signing in asks for your password only.</p>
          <button type="button" disabled={busy} onClick={() => void run(async () => setEnrolment(await keyway.mfa.startTotp.mutate()))}>
            Set up an authenticator app
          </button>
        </>
      )}
      <Problem error={error} />
    </Section>
  );
}
