import { useState, type FormEvent } from 'react';
import { keyway, type Outputs } from '../api.js';
import { ConfirmButton, Field, Loading, Problem, Section, Select, ShownOnce, useAction, useLoaded, when } from '../ui.js';

type Client = Outputs['clients']['list'][number];

/** Machine clients: created and rotated with their secret shown once, disabled, deleted. */
export function Clients() {
  const clients = useLoaded(() => keyway.clients.list.query());
  const roles = useLoaded(() => keyway.roles.list.query());
  const [secret, setSecret] = useState<{ clientId: string; secret: string }>();
  const roleNames = roles.data?.map((role) => role.name) ?? [];
  const shown = (result: { client: { clientId: string }; secret: string }) => {
    setSecret({ clientId: result.client.clientId, secret: result.secret });
    clients.reload();
  };
  return (
    <>
      <NewClient roles={roleNames} onCreated={shown} />
      {secret && (
        <Section title={`Secret of ${secret.clientId}`}>
          <ShownOnce label="Client secret" value={secret.secret} />
          <button type="button" onClick={() => setSecret(undefined)}>
            I have kept it
          </button>
        </Section>
      )}
      <Section title="All clients">
        <Problem error={clients.error} />
        {!clients.data ? (
          <Loading what="clients" />
        ) : clients.data.length === 0 ? (
          <p>No machine clients yet.</p>
        ) : (
          <ul className="cards">
            {clients.data.map((client) => (
              <ClientCard key={client.id} client={client} onRotated={shown} onChanged={clients.reload} />
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}

function NewClient({ roles, onCreated }: { roles: string[]; onCreated: (result: { client: { clientId: string }; secret: string }) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  const { busy, error, run } = useAction();
  async function submit(event: FormEvent) {
    event.preventDefault();
    const created = await run(() => keyway.clients.create.mutate({ name, role }));
    if (!created) return;
    setName('');
    onCreated(created);
  }
  return (
    <Section title="New client">
      <form onSubmit={submit} className="inline" aria-busy={busy}>
        <Field label="Client name" value={name} onChange={setName} hint="What it is, e.g. stock importer." required />
        <Select label="Role" value={role} options={roles.length ? roles : [role]} onChange={setRole} />
        <button type="submit" disabled={busy}>
          Create client
        </button>
      </form>
      <Problem error={error} />
    </Section>
  );
}

function ClientCard(props: { client: Client; onRotated: (result: { client: { clientId: string }; secret: string }) => void; onChanged: () => void }) {
  const { client } = props;
  const { busy, error, run } = useAction();
  return (
    <li className="card" aria-label={client.name}>
      <h3>
        {client.name} {client.disabled && <span className="badge">disabled</span>}
      </h3>
      <p>
        <code>{client.clientId}</code> · role {client.role.name}
      </p>
      <small>
        Created {when(client.createdAt)}, last token {when(client.lastUsedAt)}
      </small>
      <div className="actions">
        <ConfirmButton
          label="New secret"
          confirm={`Replace ${client.name}'s secret`}
          disabled={busy}
          onConfirm={() =>
            void run(async () => {
              props.onRotated(await keyway.clients.rotateSecret.mutate({ id: client.id }));
            })
          }
        />
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await keyway.clients.update.mutate({ id: client.id, disabled: !client.disabled });
              props.onChanged();
            })
          }
        >
          {client.disabled ? 'Enable' : 'Disable'}
        </button>
        <ConfirmButton
          label="Delete"
          confirm={`Delete ${client.name}`}
          disabled={busy}
          onConfirm={() =>
            void run(async () => {
              await keyway.clients.delete.mutate({ id: client.id });
              props.onChanged();
            })
          }
        />
      </div>
      <Problem error={error} />
    </li>
  );
}
