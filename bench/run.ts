import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import autocannon, { type Result } from 'autocannon';

/**
 * `npm run bench`: Keyway's doors beside references doing the same work with
 * nothing else, loaded on loopback with autocannon in interleaved rounds, on
 * this machine, in this run. Only ratios measured side by side mean anything
 * on a shared machine, so the table's ratio is the median of per-round ratios
 * to the floor (node:http + node:crypto) measured in the same round.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const WARMUP_SECONDS = 0.5;
const CONNECTIONS = 16;
const PASSWORD = 'bench-password-of-some-length';
const ARGON2ID = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

interface Target {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

interface Figures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

/** One load of a target, and the floor's requests/s around it. */
interface Run {
  result: Result;
  floorRps: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const children: ChildProcess[] = [];
const dirs: string[] = [];
let nextPort = 43_100 + Math.floor(Math.random() * 500) * 10;

function start(script: string, env: Record<string, string>): { child: ChildProcess; url: string } {
  const port = nextPort++;
  const child = fork(script, [], {
    // BENCH_NODE_FLAGS='--no-flush-bytecode' (say) runs every server with those V8 flags.
    execArgv: process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [],
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(child);
  return { child, url: `http://127.0.0.1:${port}` };
}

async function until(url: string): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    const status = await fetch(url).then((reply) => reply.status, () => 0);
    if (status === 200) return;
    await sleep(100);
  }
  throw new Error(`${url} never answered`);
}

/** A Keyway on PGlite in a fresh directory, logging at warn. */
async function keyway(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-'));
  dirs.push(dir);
  const server = start('dist/src/main.js', {
    DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    ADMIN_PASSWORD: PASSWORD,
    LOGIN_MAX_FAILURES: '1000',
    ...env,
  });
  await until(`${server.url}/readyz`);
  const login = await fetch(`${server.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  }).then((reply) => reply.json() as Promise<{ token: string }>);
  return { ...server, token: login.token };
}

async function reference(name: string, jwk: unknown): Promise<string> {
  const server = start(`dist-bench/bench/references/${name}.js`, { KEYWAY_JWK: JSON.stringify(jwk) });
  await new Promise<void>((resolve, reject) => {
    server.child.once('message', () => resolve());
    server.child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return server.url;
}

/** One request, its answer read to the end; resolves to the status. */
function send(target: Target, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = target.body ?? '';
    const headers = { ...target.headers, 'content-length': String(Buffer.byteLength(body)) };
    const outgoing = request(target.url, { method: target.method, headers, agent }, (reply) => {
      reply.on('data', () => {});
      reply.on('end', () => resolve(reply.statusCode ?? 0));
      reply.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function load(target: Target, options: Partial<autocannon.Options> = {}): Promise<Result> {
  const result = await autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    body: target.body,
    connections: CONNECTIONS,
    duration: SECONDS,
    ...options,
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return result;
}

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
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

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`keyway bench: ${ROUNDS} rounds of ${SECONDS} s per target, ${CONNECTIONS} connections, ${availableParallelism()} cores`);

  const cached = await keyway();
  const uncached = await keyway({ TOKEN_CACHE_SIZE: '0' });
  const { keys } = (await fetch(`${cached.url}/.well-known/jwks.json`).then((reply) => reply.json())) as { keys: unknown[] };
  const [floor, fastify, express] = await Promise.all(['floor', 'fastify', 'express'].map((name) => reference(name, keys[0])));
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
    return;
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
  const fresh = await keyway();
  const coldBurst = await loginBurst(fresh.url, fresh.token);

  const doors = { rest: figures('rest'), graphql: figures('graphql'), trpc: figures('trpc') };
  const out = {
    doors,
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
    seconds: Math.round((performance.now() - started) / 1000),
  };

  printTable(out);
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, `${JSON.stringify(out, null, 2)}\n`);
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

/** Medians over the rounds; each round's ratio is to the floor measured around it. */
function figuresOf(runs: Run[]): Figures & { ratio: number; ratios: number[] } {
  const ratios = runs.map((run) => run.result.requests.average / run.floorRps);
  return {
    rps: Math.round(median(runs.map((run) => run.result.requests.average))),
    p50_ms: round(median(runs.map((run) => run.result.latency.p50))),
    p99_ms: round(median(runs.map((run) => run.result.latency.p99))),
    ratio: round(median(ratios)),
    ratios: ratios.map((ratio) => round(ratio)),
  };
}

function printTable(out: {
  doors: Record<string, Figures & { ratio: number }>;
  doors_without_token_cache: Record<string, Figures & { ratio: number }>;
  products: Figures & { ratio: number };
  references: Record<string, Figures & { ratio: number }>;
  login: Record<string, number>;
  memory_mb: { idle: number; under_load: number };
  seconds: number;
}): void {
  const rows: Array<[string, Figures & { ratio: number }]> = [
    ...Object.entries(out.references).map(([name, f]) => [`reference: ${name}`, f] as [string, Figures & { ratio: number }]),
    ...Object.entries(out.doors).map(([name, f]) => [`keyway ${name}`, f] as [string, Figures & { ratio: number }]),
    ...Object.entries(out.doors_without_token_cache).map(([name, f]) => [`keyway ${name} (no token cache)`, f] as [string, Figures & { ratio: number }]),
    ['keyway GET /products', out.products],
  ];
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(34) : cell.padStart(9))).join(' | ')} |`;
  console.log('');
  console.log(line(['median of rounds', 'req/s', 'p50 ms', 'p99 ms', 'ratio']));
  console.log(line(['-'.repeat(34), '-'.repeat(9), '-'.repeat(9), '-'.repeat(9), '-'.repeat(9)]));
  for (const [name, f] of rows) console.log(line([name, String(f.rps), f.p50_ms.toFixed(2), f.p99_ms.toFixed(2), f.ratio.toFixed(2)]));
  console.log('');
  const l = out.login;
  console.log(`argon2id verify (raw, this process): p50 ${l.argon2_verify_p50_ms} ms, ${l.argon2_verifications_per_s}/s on ${Math.max(1, availableParallelism() - 1)} thread(s)`);
  console.log(`login (POST /login): p50 ${l.login_p50_ms} ms alone (argon2 + ${l.login_p50_over_argon2_ms} ms), ${l.login_rps} logins/s under load`);
  console.log(`verify p99 at 1000 req/s: ${l.verify_p99_ms_at_1000rps_idle} ms idle, ${l.verify_p99_ms_at_1000rps_during_logins} ms while logins saturate the CPU`);
  console.log(`verify at 1000 req/s during a burst of 200 parallel logins (${l.login_burst_of_200_ms} ms): p99 ${l.verify_p99_ms_during_login_burst} ms, worst ${l.verify_max_ms_during_login_burst} ms`);
  console.log(`  the same on a server started just before (${l.login_burst_on_fresh_server_ms} ms): p99 ${l.verify_p99_ms_during_login_burst_on_fresh_server} ms, worst ${l.verify_max_ms_during_login_burst_on_fresh_server} ms`);
  console.log(`memory (RSS): ${out.memory_mb.idle} MB idle, ${out.memory_mb.under_load} MB under load`);
  console.log(`took ${out.seconds} s`);
}

main()
  .catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }, 2000);
  });
