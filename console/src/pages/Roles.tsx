import { useState, type FormEvent } from 'react';
import { keyway, type Outputs } from '../api.js';
import { ConfirmButton, Field, Loading, Problem, Section, useAction, useLoaded } from '../ui.js';

type Role = Outputs['roles']['list'][number];
type Permission = Role['permissions'][number];
const PERMISSIONS: Permission[] = ['GET', 'POST', 'PUT', 'DELETE'];

/** The permission matrix: a row per role, a checkbox per permission, saved per row. */
export function Roles() {
  const roles = useLoaded(() => keyway.roles.list.query());
  return (
    <>
      <Section title="Permissions">
        <p>Taking a permission away ends the sessions of the role's users; giving one ends none (their next refresh carries it).</p>
        <Problem error={roles.error} />
        {!roles.data ? (
          <Loading what="roles" />
        ) : (
          <div className="scroll">
            <table className="matrix">
              <caption className="visually-hidden">Roles and their permissions</caption>
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  {PERMISSIONS.map((permission) => (
                    <th key={permission} scope="col">
                      {permission}
                    </th>
                  ))}
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {roles.data.map((role) => (
                  <RoleRow key={role.name} role={role} onChanged={roles.reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <NewRole onCreated={roles.reload} />
    </>
  );
}

function RoleRow({ role, onChanged }: { role: Role; onChanged: () => void }) {
  const [granted, setGranted] = useState<Permission[]>(role.permissions);
  const { busy, error, run } = useAction();
  const changed = granted.length !== role.permissions.length || granted.some((permission) => !role.permissions.includes(permission));
  return (
    <tr>
      <th scope="row">{role.name}</th>
      {PERMISSIONS.map((permission) => (
        <td key={permission}>
          <input
            type="checkbox"
            aria-label={`${role.name} may ${permission}`}
            checked={granted.includes(permission)}
            onChange={(event) => setGranted(event.target.checked ? [...granted, permission] : granted.filter((p) => p !== permission))}
          />
        </td>
      ))}
      <td className="actions">
        <button
          type="button"
          disabled={!changed || busy}
          onClick={() =>
            void run(async () => {
              await keyway.roles.upsert.mutate({ name: role.name, permissions: granted });
              onChanged();
            })
          }
        >
          Save
        </button>
        <ConfirmButton
          label="Delete"
          confirm={`Delete role ${role.name}`}
          disabled={busy}
          onConfirm={() =>
            void run(async () => {
              await keyway.roles.delete.mutate({ name: role.name });
              onChanged();
            })
          }
        />
        <Problem error={error} />
      </td>
    </tr>
  );
}

function NewRole({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [granted, setGranted] = useState<Permission[]>(['GET']);
  const { busy, error, run } = useAction();
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (await run(() => keyway.roles.upsert.mutate({ name, permissions: granted }))) {
      setName('');
      onCreated();
    }
  }
  return (
    <Section title="New role">
      <form onSubmit={submit} className="inline" aria-busy={busy}>
        <Field label="Role name" value={name} onChange={setName} hint="Lower-case letters, digits, _ or -." required />
        <fieldset>
          <legend>Permissions</legend>
          {PERMISSIONS.map((permission) => (
            <label key={permission} className="check">
              <input
                type="checkbox"
                checked={granted.includes(permission)}
                onChange={(event) => setGranted(event.target.checked ? [...granted, permission] : granted.filter((p) => p !== permission))}
              />
              {permission}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          Create role
        </button>
      </form>
      <Problem error={error} />
    </Section>
  );
}
