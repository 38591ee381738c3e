import { useState, type FormEvent } from 'react';
import { keyway, type User } from '../api.js';
import { ConfirmButton, Field, Loading, Problem, Section, Select, useAction, useLoaded, when } from '../ui.js';
import { SessionList } from './Sessions.js';

const PAGE = 25;

/** Find, create and change users: role, enabled, password, second factor, sessions, deletion. */
export function Users() {
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const users = useLoaded(() => keyway.users.list.query({ search: search || undefined, limit: PAGE, offset }), [search, offset]);
  const roles = useLoaded(() => keyway.roles.list.query());
  const roleNames = roles.data?.map((role) => role.name) ?? [];
  return (
    <>
      <CreateUser roles={roleNames} onCreated={users.reload} />
      <Section title="All users">
        <div role="search">
          <Field
            label="Find by username"
            value={search}
            onChange={(value) => {
              setSearch(value);
              setOffset(0);
            }}
          />
        </div>
        <Problem error={users.error} />
        {!users.data ? (
          <Loading what="users" />
        ) : users.data.length === 0 ? (
          <p>No user matches.</p>
        ) : (
          <ul className="cards">
            {users.data.map((user) => (
              <UserCard key={user.id} user={user} roles={roleNames} onChanged={users.reload} />
            ))}
          </ul>
        )}
        <div className="pager">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Previous page
          </button>
          <button type="button" disabled={(users.data?.length ?? 0) < PAGE} onClick={() => setOffset(offset + PAGE)}>
            Next page
          </button>
        </div>
      </Section>
    </>
  );
}

function CreateUser({ roles, onCreated }: { roles: string[]; onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('viewer');
  const [created, setCreated] = useState<string>();
  const { busy, error, run } = useAction();
  async function submit(event: FormEvent) {
    event.preventDefault();
    const user = await run(() => keyway.users.create.mutate({ username, password, role }));
    if (!user) return;
    setCreated(user.username);
    setUsername('');
    setPassword('');
    onCreated();
  }
  return (
    <Section title="New user">
      <form onSubmit={submit} className="inline" aria-busy={busy}>
        <Field label="Username" value={username} onChange={setUsername} required />
        <Field label="Password" type="password" value={password} onChange={setPassword} autoComplete="new-password" hint="At least 8 characters." required />
        <Select label="Role" value={role} options={roles.length ? roles : [role]} onChange={setRole} />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create user'}
        </button>
      </form>
      <Problem error={error} />
      {created && <p role="status">Created {created}.</p>}
    </Section>
  );
}

function UserCard({ user, roles, onChanged }: { user: User; roles: string[]; onChanged: () => void }) {
  // Chosen, then applied by a button: a select changes with each arrow key, and a new role ends their sessions.
  const [role, setRole] = useState(user.role.name);
  const [password, setPassword] = useState('');
  const [showSessions, setShowSessions] = useState(false);
  const [done, setDone] = useState<string>();
  const { busy, error, run } = useAction();
  const change = (what: string, changes: Omit<Parameters<typeof keyway.users.update.mutate>[0], 'id'>) =>
    void run(async () => {
      await keyway.users.update.mutate({ id: user.id, ...changes });
      setDone(what);
      onChanged();
    });
  return (
    <li className="card" aria-label={user.username}>
      <h3>
        {user.username} {user.disabled && <span className="badge">disabled</span>}
      </h3>
      <small>Created {when(user.createdAt)}</small>
      <div className="actions">
        <Select label={`Role of ${user.username}`} value={role} options={roles.length ? roles : [user.role.name]} onChange={setRole} />
        <button type="button" disabled={busy || role === user.role.name} onClick={() => change(`Role set to ${role}.`, { role })}>
          Change role
        </button>
        <button type="button" disabled={busy} onClick={() => change(user.disabled ? 'Enabled.' : 'Disabled.', { disabled: !user.disabled })}>
          {user.disabled ? 'Enable' : 'Disable'}
        </button>
        <ConfirmButton label="Reset second factor" confirm={`Turn off ${user.username}'s second factor`} disabled={busy} onConfirm={() => change('Second factor reset.', { resetMfa: true })} />
        <ConfirmButton
          label="Delete"
          confirm={`Delete ${user.username}`}
          disabled={busy}
          onConfirm={() =>
            void run(async () => {
              await keyway.users.delete.mutate({ id: user.id });
              onChanged();
            })
          }
        />
      </div>
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          change('Password set; their sessions were ended.', { password });
          setPassword('');
        }}
      >
        <Field label={`New password for ${user.username}`} type="password" value={password} onChange={setPassword} autoComplete="new-password" required />
        <button type="submit" disabled={busy}>
          Reset password
        </button>
      </form>
      <Problem error={error} />
      {done && <p role="status">{done}</p>}
      <button type="button" aria-expanded={showSessions} onClick={() => setShowSessions(!showSessions)}>
        {showSessions ? 'Hide sessions' : 'Sessions'}
      </button>
      {showSessions && <SessionList userId={user.id} />}
    </li>
  );
}
