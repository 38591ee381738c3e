import { keyway, type Outputs } from '../api.js';
import { Loading, Problem, useAction, useLoaded, when } from '../ui.js';

type Session = Outputs['sessions']['mine'][number];

/** Live sessions, each with its end: a user's (for an admin) or the caller's own. */
export function SessionList({ userId }: { userId?: number }) {
  const sessions = useLoaded(() => (userId === undefined ? keyway.sessions.mine.query() : keyway.sessions.ofUser.query({ userId })), [userId]);
  const { busy, error, run } = useAction();
  const end = (session: Session) =>
    void run(async () => {
      await keyway.sessions.revoke.mutate({ id: session.id });
      sessions.reload();
    });
  if (sessions.error) return <Problem error={sessions.error} />;
  if (!sessions.data) return <Loading what="sessions" />;
  if (sessions.data.length === 0) return <p>No live sessions.</p>;
  return (
    <>
      <Problem error={error} />
      <ul className="sessions">
        {sessions.data.map((session) => (
          <li key={session.id}>
            <span>
              {session.userAgent ?? 'Unknown device'} · {session.ipAddress ?? 'unknown address'}
              {session.current && <strong> (this session)</strong>}
            </span>
            <small>
              Signed in {when(session.createdAt)}, last used {when(session.lastUsedAt)}, ends {when(session.expiresAt)}
            </small>
            {!session.current && (
              <button type="button" disabled={busy} onClick={() => end(session)}>
                End session
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
