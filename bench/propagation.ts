import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../test/helpers/postgres.js';
import { keyway, login, median, onTeardown, PASSWORD, sleep, stop } from './harness.js';
import { postgresForBench } from './postgres.js';

/**
 * How long a logout on one Keyway instance takes to be refused elsewhere
 * (issue 20): by another instance on the same PostgreSQL, asked over HTTP
 * every 2 ms; and by keyway/verify in a process of its own, following that
 * other instance's feed. The clock starts when the logout's answer arrives.
 */

export const PROPAGATION_GOALS = { instanceWorstMs: 100, verifierMedianMs: 100, verifierWorstMs: 250 };
const TRIES = Number(process.env.BENCH_PROPAGATION_TRIES ?? 20);
const ISSUER = 'https://keyway.bench';

export type PropagationOut = Awaited<ReturnType<typeof propagationPart>>;

export async function propagationPart() {
  const postgres = await postgresForBench();
  if ('skipped' in postgres) return { skipped: postgres.skipped };
  const a = await keyway({ DATABASE_URL: postgres.url, JWT_ISSUER: ISSUER });
  const port = await freePort();
  const b = await keyway({ DATABASE_URL: postgres.url, JWT_ISSUER: ISSUER, PUBLIC_URL: `http://127.0.0.1:${port}` }, port);
  const admin = await login(a.url);
  const created = await rpc(a.url, 'clients.create', { name: 'bench verifier', role: 'viewer' }, admin);
  const { client, secret } = created as { client: { clientId: string }; secret: string };
  const service = fork('dist-bench/bench/verifier-service.js', [], {
    env: { ...process.env, ISSUER, KEYWAY_URL: b.url, CLIENT_ID: client.clientId, CLIENT_SECRET: secret },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  onTeardown(() => stop(service));
  try {
    await answer(service);
    const instance: number[] = [];
    const verifier: number[] = [];
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const token = await login(a.url, 'admin', PASSWORD);
      service.send({ watch: token });
      await answer(service);
      const refused = answer(service);
      await rpc(a.url, 'auth.logout', {}, token);
      const committed = Date.now();
      while ((await verifyOn(b.url, token)) && Date.now() - committed < 2000) await sleep(2);
      instance.push(Date.now() - committed);
      verifier.push(((await refused) as { refusedAt: number }).refusedAt - committed);
    }
    process.stdout.write(`  revocation propagation: ${TRIES} logouts done\n`);
    const figures = (values: number[]) => ({ median_ms: median(values), worst_ms: Math.max(...values), all_ms: values });
    const result = { tries: TRIES, other_instance: figures(instance), keyway_verify: figures(verifier) };
    return {
      ...result,
      ok:
        result.other_instance.worst_ms <= PROPAGATION_GOALS.instanceWorstMs &&
        result.keyway_verify.median_ms <= PROPAGATION_GOALS.verifierMedianMs &&
        result.keyway_verify.worst_ms <= PROPAGATION_GOALS.verifierWorstMs,
    };
  } finally {
    service.send({ close: true });
    await Promise.all([stop(service), stop(a.child), stop(b.child)]);
  }
}

async function answer(child: ChildProcess): Promise<unknown> {
  const [message] = (await once(child, 'message')) as [Record<string, unknown>];
  if (message.error) throw new Error(`keyway/verify service: ${String(message.error)}`);
  return message;
}

async function rpc(url: string, path: string, input: unknown, token: string): Promise<unknown> {
  const reply = await fetch(`${url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  if (reply.status !== 200) throw new Error(`${path}: ${reply.status}`);
  return ((await reply.json()) as { result: { data: unknown } }).result.data;
}

async function verifyOn(url: string, token: string): Promise<boolean> {
  const reply = await fetch(`${url}/api/verify_token`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  await reply.arrayBuffer();
  return reply.status === 200;
}
