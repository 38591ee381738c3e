import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { Result } from 'autocannon';
import {
  failures,
  figuresOf,
  highestRss,
  keyway,
  load,
  login,
  median,
  reference,
  ROUNDS,
  round,
  rssMb,
  sleep,
  stop,
  tempDir,
  WARMUP_SECONDS,
  type Keyway,
  type Run,
  type Server,
  type Target,
} from './harness.js';
import { postgresForBench } from './postgres.js';
import { seed } from './seed.js';

/**
 * The data paths on both databases, each beside a reference doing the same
 * queries with node:http and the database's own client (references/pg.ts,
 * references/pglite.ts); and Keyway's start-up and memory on each.
 */

export const DATA_CONNECTIONS = 32;
/** Shorter than the verify part's loads: eight targets on two databases would take the bench past eight minutes. */
export const DATA_SECONDS = Number(process.env.BENCH_DATA_SECONDS ?? 1);

export type DatabaseKind = 'pglite' | 'postgres';

const PATHS = [
  { key: 'products_list', name: 'GET /products?limit=50', path: () => '/products?limit=50' },
  { key: 'product', name: 'GET /products/:id', path: (productId: number) => `/products/${productId}` },
  { key: 'auth_me', name: 'tRPC auth.me', path: () => '/trpc/auth.me' },
  { key: 'users_list', name: 'tRPC users.list (50)', path: () => `/trpc/users.list?input=${encodeURIComponent('{"limit":50}')}` },
] as const;

export type PathKey = (typeof PATHS)[number]['key'];

/** One database kind's Keyway, from its first start to its load. */
interface Side {
  kind: DatabaseKind;
  env: Record<string, string>;
  server: Server;
  token: string;
  productId: number;
  firstStarts: number[];
  restarts: number[];
  idleMb: number;
}

export interface PathFigures {
  name: string;
  keyway: ReturnType<typeof figuresOf> & { errors: number };
  reference: ReturnType<typeof figuresOf>;
}

export interface DatabaseOut {
  paths: Record<PathKey, PathFigures>;
  startup_s: { restart: number; restarts: number[]; first_start?: number; first_starts?: number[] };
  memory_mb: { idle: number; highest_under_load: number };
}

export type DataOut = Record<DatabaseKind, DatabaseOut | { skipped: string }>;

export async function dataPart(): Promise<DataOut> {
  const postgres = await postgresForBench();
  if ('skipped' in postgres) console.log(`  PostgreSQL SKIPPED: ${postgres.skipped}`);

  // Three first starts on an empty DATA_DIR; the third Keyway stays, to be seeded.
  const firstStarts: number[] = [];
  let dataDir = '';
  let onPglite: Keyway | undefined;
  for (let i = 0; i < 3; i++) {
    if (onPglite) await stop(onPglite.child);
    dataDir = tempDir('keyway-bench-data-');
    onPglite = await keyway({ DATA_DIR: dataDir });
    firstStarts.push(onPglite.startSeconds);
  }
  process.stdout.write(`  first starts on PGlite: ${firstStarts.map((s) => s.toFixed(2)).join(', ')} s\n`);
  const starting: Array<{ kind: DatabaseKind; env: Record<string, string>; server: Server }> = [
    { kind: 'pglite', env: { DATA_DIR: dataDir }, server: onPglite! },
  ];
  if ('url' in postgres) {
    const env = { DATABASE_URL: postgres.url };
    starting.push({ kind: 'postgres', env, server: await keyway(env) });
  }

  const seeding = performance.now();
  const productIds = await Promise.all(starting.map(async ({ server }) => seed(server.url, await login(server.url))));
  process.stdout.write(`  seeded in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`);
  for (const { server } of starting) await stop(server.child);
  // PGlite is one process's: its reference reads a copy of the seeded cluster.
  const referenceDir = tempDir('keyway-bench-reference-');
  cpSync(join(dataDir, 'pgdata'), referenceDir, { recursive: true });

  // Restarts on the same DATA_DIR or DATABASE_URL, one database at a time; the third stays.
  const sides: Side[] = [];
  for (const [i, { kind, env, server: stopped }] of starting.entries()) {
    const restarts: number[] = [];
    let server: Keyway | undefined;
    for (let n = 0; n < 3; n++) {
      if (server) await stop(server.child);
      server = await keyway(env, stopped.port);
      restarts.push(server.startSeconds);
    }
    process.stdout.write(`  restarts on ${kind}: ${restarts.map((s) => s.toFixed(2)).join(', ')} s\n`);
    sides.push({ kind, env, server: server!, token: '', productId: productIds[i]!, firstStarts: kind === 'pglite' ? firstStarts : [], restarts, idleMb: 0 });
  }
  // Idle: a few logins, then a settled moment.
  for (const side of sides) for (let n = 0; n < 5; n++) side.token = await login(side.server.url);
  await sleep(3000);
  for (const side of sides) side.idleMb = rssMb(side.server.child);

  const references = await Promise.all(sides.map(async (side) => {
    const { keys } = (await fetch(`${side.server.url}/.well-known/jwks.json`).then((reply) => reply.json())) as { keys: unknown[] };
    const env = { KEYWAY_JWK: JSON.stringify(keys[0]) };
    return side.kind === 'pglite'
      ? reference('pglite', { ...env, PGLITE_DIR: referenceDir })
      : reference('pg', { ...env, DATABASE_URL: side.env.DATABASE_URL! });
  }));

  const groups = sides.map((side, i) => ({ side, keyway: targets(side, side.server.url), reference: targets(side, references[i]!.url) }));
  for (const group of groups) await sameAnswers(group.keyway, group.reference);

  const { value: measured, mb: highest } = await highestRss(sides.map((side) => side.server), () => rounds(groups));
  await Promise.all([...sides.map((side) => side.server), ...references].map((server) => stop(server.child)));

  const out = {} as DataOut;
  sides.forEach((side, i) => {
    out[side.kind] = {
      paths: measured[i]!,
      startup_s: {
        restart: round(median(side.restarts)),
        restarts: side.restarts.map((s) => round(s)),
        ...(side.firstStarts.length ? { first_start: round(median(side.firstStarts)), first_starts: side.firstStarts.map((s) => round(s)) } : {}),
      },
      memory_mb: { idle: round(side.idleMb, 1), highest_under_load: round(highest[i]!, 1) },
    };
  });
  if ('skipped' in postgres) out.postgres = { skipped: postgres.skipped };
  return out;
}

function targets(side: Side, url: string): Target[] {
  return PATHS.map((path) => ({
    name: `${side.kind} ${url} ${path.name}`,
    url: `${url}${path.path(side.productId)}`,
    method: 'GET',
    headers: { authorization: `Bearer ${side.token}` },
  }));
}

/** A reference must answer what Keyway answers, or its ratio compares different work. */
async function sameAnswers(keyway: Target[], reference: Target[]): Promise<void> {
  for (const [i, target] of keyway.entries()) {
    const [ours, theirs] = await Promise.all([target, reference[i]!].map(async ({ url, headers }) => {
      const reply = await fetch(url, { headers });
      return `${reply.status} ${reply.headers.get('x-total-count') ?? '-'} ${await reply.text()}`;
    }));
    if (ours !== theirs) throw new Error(`${PATHS[i]!.name}: the reference answers\n  ${theirs!.slice(0, 400)}\nwhere Keyway answers\n  ${ours!.slice(0, 400)}`);
  }
}

interface Group {
  side: Side;
  keyway: Target[];
  reference: Target[];
}

/**
 * Each database's Keyway targets run back to back between two runs of its
 * reference's, and each path's ratio in a round is to the mean of the two;
 * the databases take turns. Keyway's errors are counted, not fatal: zero is a goal.
 */
async function rounds(groups: Group[]): Promise<Array<Record<PathKey, PathFigures>>> {
  const options = { connections: DATA_CONNECTIONS, duration: DATA_SECONDS };
  const keywayRuns = groups.map(() => PATHS.map((): Run[] => []));
  const referenceRuns = groups.map(() => PATHS.map((): Run[] => []));
  const errors = groups.map(() => PATHS.map(() => 0));
  const loadReference = async (group: Group, g: number) => {
    const results: Result[] = [];
    for (const target of group.reference) results.push(await load(target, options));
    results.forEach((result, p) => referenceRuns[g]![p]!.push({ result, floorRps: result.requests.average }));
    return results;
  };

  for (const [g, group] of groups.entries()) {
    for (const target of group.reference) await load(target, { ...options, duration: 0.5 });
    for (const [p, target] of group.keyway.entries()) errors[g]![p]! += failures(await load(target, { ...options, duration: 1.5 }, true));
  }
  const before: Result[][] = [];
  for (const [g, group] of groups.entries()) before.push(await loadReference(group, g));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [g, group] of groups.entries()) {
      const results: Result[] = [];
      for (const [p, target] of group.keyway.entries()) {
        errors[g]![p]! += failures(await load(target, { ...options, duration: WARMUP_SECONDS }, true));
        const result = await load(target, options, true);
        errors[g]![p]! += failures(result);
        results.push(result);
      }
      const after = await loadReference(group, g);
      results.forEach((result, p) => {
        keywayRuns[g]![p]!.push({ result, floorRps: (before[g]![p]!.requests.average + after[p]!.requests.average) / 2 });
      });
      before[g] = after;
    }
    process.stdout.write(`  data round ${r + 1}/${ROUNDS} done\n`);
  }

  return groups.map((_, g) =>
    Object.fromEntries(PATHS.map((path, p) => [path.key, {
      name: path.name,
      keyway: { ...figuresOf(keywayRuns[g]![p]!), errors: errors[g]![p]! },
      reference: figuresOf(referenceRuns[g]![p]!),
    }])) as Record<PathKey, PathFigures>,
  );
}
