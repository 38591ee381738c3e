import { Agent } from 'node:http';
import { availableParallelism } from 'node:os';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import type { Result } from 'autocannon';
import {
  figuresOf,
  keyway,
  load,
  login,
  PASSWORD,
  reference,
  ROUNDS,
  round,
  rssMb,
  send,
  sleep,
  median,
  stop,
  tempDir,
  WARMUP_SECONDS,
  type Run,
  type Target,
} from './harness.js';

/**
 * Token verification on every door beside references verifying the same
 * token, then logins against raw argon2id and verification while logins
 * saturate the CPU. Only ratios measured side by side mean anything on a
 * shared machine, so a target's ratio is the median of per-round ratios to
 * the floor (node:http + node:crypto) measured in the same round.
 */

const ARGON2ID = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export type VerifyOut = Awaited<ReturnType<typeof verifyPart>>;

/** A Keyway on PGlite in a fresh directory, and the admin's token. */
async function keywayOnPglite(env: Record<string, string> = {}) {
  const server = await keyway({ DATA_DIR: tempDir('keyway-bench-'), ...env });
  return { ...server, token: await login(server.url) };
}

function verifyTargets(prefix: string, url: string, token: string): Target[] {
  const bearer = { authorization: `Bearer ${token}` };
  const json = { 'content-type': 'application/json' };
  return [
    { name: `${prefix}rest`, url: `${url}/api/verify_token`, method: 'POST', headers: bearer },
    {
      name: `${prefix}graphql`,
      url: `${url}/graphql`,
      method: 'POST',
      headers: { ...bearer, ...json },
      body: JSON.stringify({ query: 'mutation { verifyToken { valid payload { sub username role } } }' }),
    },
    { name: `${prefix}trpc`, url: `${url}/trpc/auth.verifyToken`, method: 'POST', headers: { ...bearer, ...json }, body: '{}' },
  ];
}

/** The verify path's part; undefined under BENCH_ONLY, which prints its few figures instead. */
export async function verifyPart() {
  // Started together: a first start on PGlite takes seconds, and nothing is measured yet.
  const [cached, uncached] = await Promise.all([keywayOnPglite(), keywayOnPglite({ TOKEN_CACHE_SIZE: '0' })]);
  const { keys } = (await fetch(`${cached.url}/.well-known/jwks.json`).then((reply) => reply.json())) as { keys: unknown[] };
  const env = { KEYWAY_JWK: JSON.stringify(keys[0]) };
  const [floor, fastify, express] = await Promise.all(['floor', 'fastify', 'express'].map(async (name) => (await reference(name, env)).url));
  const bearer = { authorization: `Bearer ${cached.token}` };

  // Targets in groups by process: a group's targets run back to back.
  const floorTarget: Target = { name: 'floor', url: `${floor}/api/verify_token`, method: 'POST', headers: bearer };
  let groups: Target[][] = [
    [{ name: 'fastify', url: `${fastify}/api/verify_token`, method: 'POST', headers: bearer }],
    [{ name: 'express', url: `${express}/api/verify_token`, method: 'POST', headers: bearer }],
    [...verifyTargets('', cached.url, cached.token), { name: 'products', url: `${cached.url}/products?limit=20`, method: 'GET', headers: bearer }],
    verifyTargets('uncached ', uncached.url, uncached.token),
  ];

  // BENCH_ONLY=graphql,trpc narrows a run to some targets while profiling (the floor always stays).
  const only = process.env.BENCH_ONLY?.split(',');
  if (only) groups = groups.map((group) => group.filter((target) => only.includes(target.name))).filter((group) => group.length > 0);
  const targets = [floorTarget, ...groups.flat()];

  // Warm every target up (JIT, caches). Then, in each round, each group runs
  // between two runs of the floor, and each target's ratio is to their mean:
  // a neighbour's load that comes and goes over seconds weighs on both sides.
  // Every measured load follows a short unmeasured one: a process left idle
  // while the others ran has had compiled code flushed by V8 (GraphQL and
  // tRPC ran up to half as fast for a second after an idle spell), and the
  // ratios are of steady states. GraphQL takes seconds to warm up at first.
  for (const target of targets) await load(target, { duration: target === floorTarget ? 1 : 3 });
  const memoryIdle = rssMb(cached.child);
  let memoryLoaded = memoryIdle;
  const sampler = setInterval(() => (memoryLoaded = Math.max(memoryLoaded, rssMb(cached.child))), 250);
  const runs = new Map<string, Run[]>(targets.map((target) => [target.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    let before = await load(floorTarget);
    runs.get('floor')!.push({ result: before, floorRps: before.requests.average });
    for (const group of groups) {
      const results: Result[] = [];
      for (const target of group) {
        await load(target, { duration: WARMUP_SECONDS });
        results.push(await load(target));
      }
      const after = await load(floorTarget);
      const floorRps = (before.requests.average + after.requests.average) / 2;
      group.forEach((target, index) => runs.get(target.name)!.push({ result: results[index]!, floorRps }));
      runs.get('floor')!.push({ result: after, floorRps: after.requests.average });
      before = after;
    }
    process.stdout.write(`  round ${r + 1}/${ROUNDS} done\n`);
  }
  clearInterval(sampler);
  const figures = (name: string) => figuresOf(runs.get(name)!);

  if (only) {
    for (const target of targets) console.log(`${target.name}: ${JSON.stringify(figures(target.name))}`);
    return undefined;
  }

  // Logins: raw argon2 in this process against Keyway's login, then verification under a login storm.
  const loginTarget: Target = {
    name: 'login',
    url: `${cached.url}/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  };
  // Five rounds of 10 argon2 verifications here, then 20 logins, so that both see the same machine.
  // Not one of each in turn: argon2's 19 MiB sweep of the caches just before every login slowed it
  // by 1.2-1.7 ms, and no server sees a foreign process do that between its logins. Each is timed
  // here to the microsecond (autocannon's latencies are whole milliseconds), the login with node:http
  // on one kept-alive connection, as autocannon would: fetch adds ~0.5 ms of its own.
  const passwordHash = await hash(PASSWORD, ARGON2ID);
  const argon2Ms: number[] = [];
  const loginMs: number[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let round = 0; round < 5; round++) {
    for (let n = 0; n < 10; n++) {
      const begun = performance.now();
      await verify(passwordHash, PASSWORD, ARGON2ID);
      argon2Ms.push(performance.now() - begun);
    }
    for (let n = 0; n < 20; n++) {
      const begun = performance.now();
      const status = await send(loginTarget, agent);
      if (status !== 200) throw new Error(`login: ${status}`);
      loginMs.push(performance.now() - begun);
    }
  }
  agent.destroy();

  const parallelism = Math.max(1, availableParallelism() - 1);
  const argon2Started = performance.now();
  let argon2Done = 0;
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (performance.now() - argon2Started < 3000) {
        await verify(passwordHash, PASSWORD, ARGON2ID);
        argon2Done++;
      }
    }),
  );
  const argon2PerSecond = argon2Done / ((performance.now() - argon2Started) / 1000);

  const loginStorm = await load(loginTarget, { connections: 8, duration: 4 });

  const verifyRest = verifyTargets('', cached.url, cached.token)[0]!;
  const fixedRate = { connections: 10, overallRate: 1000, duration: 5 };
  const quiet = await load(verifyRest, fixedRate);
  const [stormy] = await Promise.all([load(verifyRest, fixedRate), load(loginTarget, { connections: 16, duration: 5.5 })]);

  // The same burst on the server that has been working all along, then on one started a moment ago:
  // right after a restart is when every client logs in at once, with nothing compiled or cached yet.
  const burst = await loginBurst(cached.url, cached.token);
  const fresh = await keywayOnPglite();
  const coldBurst = await loginBurst(fresh.url, fresh.token);

  // The part's processes go before the next part measures anything.
  await Promise.all([cached, uncached, fresh].map((server) => stop(server.child)));

  return {
    doors: { rest: figures('rest'), graphql: figures('graphql'), trpc: figures('trpc') },
    doors_without_token_cache: {
      rest: figures('uncached rest'),
      graphql: figures('uncached graphql'),
      trpc: figures('uncached trpc'),
    },
    products: figures('products'),
    references: { floor: figures('floor'), fastify: figures('fastify'), express: figures('express') },
    login: {
      argon2_verify_p50_ms: round(median(argon2Ms)),
      argon2_verifications_per_s: round(argon2PerSecond, 1),
      login_p50_ms: round(median(loginMs)),
      login_p50_over_argon2_ms: round(median(loginMs) - median(argon2Ms)),
      login_rps: round(loginStorm.requests.average, 1),
      verify_p99_ms_at_1000rps_idle: round(quiet.latency.p99),
      verify_p99_ms_at_1000rps_during_logins: round(stormy.latency.p99),
      login_burst_of_200_ms: burst.ms,
      verify_p99_ms_during_login_burst: burst.p99,
      verify_max_ms_during_login_burst: burst.max,
      login_burst_on_fresh_server_ms: coldBurst.ms,
      verify_p99_ms_during_login_burst_on_fresh_server: coldBurst.p99,
      verify_max_ms_during_login_burst_on_fresh_server: coldBurst.max,
    },
    memory_mb: { idle: round(memoryIdle, 1), under_load: round(memoryLoaded, 1) },
  };
}

/**
 * 200 logins at once (every client of a restarted service, say) while verifying at 1000 req/s: on
 * PGlite the logins' database work must not hold verification up. As a burst comes: a quarter right
 * passwords, a quarter wrong ones, half unknown users (each failure writes).
 */
async function loginBurst(url: string, token: string): Promise<{ ms: number; p99: number; max: number }> {
  const login = (i: number): Target => ({
    name: 'login burst',
    url: `${url}/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      i % 4 === 0 ? { username: 'admin', password: PASSWORD } : { username: i % 4 === 1 ? 'admin' : `nobody-${i}`, password: 'wrong-password' },
    ),
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 200 });
  const verifying = load(verifyTargets('', url, token)[0]!, { connections: 10, overallRate: 1000, duration: 6 });
  await sleep(500);
  const started = performance.now();
  const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => send(login(i), agent)));
  const ms = Math.round(performance.now() - started);
  const verified = await verifying;
  agent.destroy();
  const expected = (status: number, i: number) => status === (i % 4 === 0 ? 200 : 401);
  if (!statuses.every(expected)) throw new Error(`login burst: ${statuses.filter((s, i) => !expected(s, i)).length} unexpected answers`);
  return { ms, p99: round(verified.latency.p99), max: round(verified.latency.max) };
}
