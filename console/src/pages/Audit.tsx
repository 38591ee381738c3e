import { useEffect, useState, type FormEvent } from 'react';
import { keyway, type Outputs } from '../api.js';
import { Field, Loading, Problem, Section, Select, useAction, when } from '../ui.js';

type Page = Outputs['audit']['list'];
type EventType = Page['events'][number]['type'];

// Every type, checked against the router's: one added to Keyway fails the console's build until it is listed.
const TYPES = Object.keys({
  LOGIN_SUCCEEDED: 1, LOGIN_FAILED: 1, LOGIN_THROTTLED: 1, MFA_SUCCEEDED: 1, MFA_FAILED: 1, LOGOUT: 1, SESSION_REVOKED: 1,
  REFRESH_REUSE_DETECTED: 1, PASSWORD_CHANGED: 1, MFA_ENABLED: 1, MFA_DISABLED: 1, USER_CREATED: 1, USER_UPDATED: 1,
  USER_DELETED: 1, ROLE_UPSERTED: 1, ROLE_DELETED: 1, KEY_ROTATED: 1, CLIENT_CREATED: 1, CLIENT_UPDATED: 1, CLIENT_DELETED: 1,
} satisfies Record<EventType, 1>) as EventType[];

const ANY = 'Any event';
const PAGE = 25;

/** The audit trail, newest first: filtered by event, user and time, a page at a time. */
export function Audit() {
  const [type, setType] = useState<string>(ANY);
  const [username, setUsername] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [events, setEvents] = useState<Page['events']>();
  const [next, setNext] = useState<string | null>(null);
  const { busy, error, run, setError } = useAction();

  async function load(after?: string) {
    await run(async () => {
      let userId: number | undefined;
      if (username.trim()) {
        const found = await keyway.users.list.query({ search: username.trim(), limit: 100 });
        const user = found.find((candidate) => candidate.username.toLowerCase() === username.trim().toLowerCase());
        if (!user) {
          setEvents([]);
          setNext(null);
          throw new Error(`There is no user named ${username.trim()}.`);
        }
        userId = user.id;
      }
      const page = await keyway.audit.list.query({
        types: type === ANY ? undefined : [type as EventType],
        userId,
        since: since ? new Date(since).toISOString() : undefined,
        until: until ? new Date(until).toISOString() : undefined,
        limit: PAGE,
        after,
      });
      setEvents(after ? [...(events ?? []), ...page.events] : page.events);
      setNext(page.nextCursor);
    });
  }

  useEffect(() => {
    void load();
    // The newest events when the page opens; the filters apply when submitted.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <>
      <Section title="Filters">
        <form
          className="inline"
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            setError(undefined);
            void load();
          }}
        >
          <Select label="Event" value={type} options={[ANY, ...TYPES]} onChange={setType} />
          <Field label="User" value={username} onChange={setUsername} hint="A username, exactly." />
          <Field label="Since" type="datetime-local" value={since} onChange={setSince} />
          <Field label="Until" type="datetime-local" value={until} onChange={setUntil} />
          <button type="submit" disabled={busy}>
            Show events
          </button>
        </form>
      </Section>
      <Section title="Events">
        {error instanceof Error && !('data' in error) ? <p role="alert" className="problem">{error.message}</p> : <Problem error={error} />}
        {events === undefined ? (
          <Loading what="events" />
        ) : events.length === 0 ? (
          <p>No events match.</p>
        ) : (
          <div className="scroll">
            <table className="events">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col">By</th>
                  <th scope="col">User</th>
                  <th scope="col">Door</th>
                  <th scope="col">Address</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {events.map((event) => (
                  <tr key={event.id}>
                    <td>{when(event.at)}</td>
                    <td>{event.type}</td>
                    <td>{event.actor ?? '—'}</td>
                    <td>{event.username ?? '—'}</td>
                    <td>{event.door}</td>
                    <td>{event.ipAddress ?? '—'}</td>
                    <td>
                      <code>{event.details && Object.keys(event.details).length ? JSON.stringify(event.details) : ''}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {next && (
          <button type="button" disabled={busy} onClick={() => void load(next)}>
            {busy ? 'Loading…' : 'Older events'}
          </button>
        )}
      </Section>
    </>
  );
}
