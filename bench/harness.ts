import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';

/**
 * What every part of the bench shares: the processes it starts (and stops,
 * whatever happens), autocannon's loads, and the medians of rounds.
 */

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
export const WARMUP_SECONDS = 0.5;
export const PASSWORD = 'bench-password-of-some-length';

export interface Target {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface Figures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

/** One load of a target, and its reference's requests/s around it. */
export interface Run {
  result: Result;
  floorRps: number;
}

export interface Server {
  child: ChildProcess;
  url: string;
  port: number;
}

export interface Keyway extends Server {
  /** From its start to /readyz's first 200. */
  startSeconds: number;
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
export const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const children = new Set<ChildProcess>();
const dirs: string[] = [];
const teardowns: Array<() => Promise<void>> = [];
// Below Linux's ephemeral range (32768-60999): a port there can be taken by one of the bench's own
// outgoing connections (the load, the propagation part's polling) just before a server listens on it.
let nextPort = 20_100 + Math.floor(Math.random() * 500) * 10;

/** A directory removed when the bench ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Work to undo when the bench ends, however it ends (a PostgreSQL cluster, a database). */
export function onTeardown(teardown: () => Promise<void>): void {
  teardowns.unshift(teardown);
}

export function start(script: string, env: Record<string, string>, port = nextPort++): Server {
  const child = fork(script, [], {
    // BENCH_NODE_FLAGS='--no-flush-bytecode' (say) runs every server with those V8 flags.
    execArgv: process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [],
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return { child, url: `http://127.0.0.1:${port}`, port };
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves once it has exited. */
export async function stop(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every process still running, undoes the teardowns, removes the directories. */
export async function cleanUp(): Promise<void> {
  await Promise.all([...children].map((child) => stop(child, 5_000)));
  for (const teardown of teardowns.splice(0)) await teardown().catch((error: unknown) => console.error(`bench: cleaning up: ${String(error)}`));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Resolves when `url` answers 200; rejects when `child` exits first or after a minute. */
export async function until(url: string, child?: ChildProcess, intervalMs = 100): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${url}: the server exited with ${child.exitCode ?? child.signalCode}`);
    }
    const status = await fetch(url).then((reply) => reply.status, () => 0);
    if (status === 200) return;
    await sleep(intervalMs);
  }
  throw new Error(`${url} never answered`);
}

/** A reference of bench/references/, once it says it listens. */
export async function reference(name: string, env: Record<string, string>): Promise<Server> {
  const server = start(`dist-bench/bench/references/${name}.js`, env);
  await new Promise<void>((resolve, reject) => {
    server.child.once('message', () => resolve());
    server.child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return server;
}

/** One request, its answer read to the end; resolves to the status. */
export function send(target: Target, agent: Agent): Promise<number> {
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

export const failures = (result: Result) => result.non2xx + result.errors + result.timeouts;

/** A load of `target`; any non-2xx, error or timeout fails it unless `tolerated` (then it is counted by the caller). */
export async function load(target: Target, options: Partial<autocannon.Options> = {}, tolerated = false): Promise<Result> {
  const result = await autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    body: target.body,
    connections: 16,
    duration: SECONDS,
    ...options,
  });
  if (!tolerated && failures(result) > 0) {
    throw new Error(`${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return result;
}

export function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** The highest RSS of some processes while `work` runs, sampled every 250 ms. */
export async function highestRss<T>(servers: Array<{ child: ChildProcess }>, work: () => Promise<T>): Promise<{ value: T; mb: number[] }> {
  const mb = servers.map((server) => rssMb(server.child));
  // A process that has exited has no RSS to sample; its load's errors tell of it.
  const sample = (server: { child: ChildProcess }) => {
    try {
      return rssMb(server.child);
    } catch {
      return 0;
    }
  };
  const sampler = setInterval(() => servers.forEach((server, i) => (mb[i] = Math.max(mb[i]!, sample(server)))), 250);
  try {
    return { value: await work(), mb };
  } finally {
    clearInterval(sampler);
  }
}

/** Medians over the rounds; each round's ratio is to the reference measured around it. */
export function figuresOf(runs: Run[]): Figures & { ratio: number; ratios: number[] } {
  const ratios = runs.map((run) => run.result.requests.average / run.floorRps);
  return {
    rps: Math.round(median(runs.map((run) => run.result.requests.average))),
    p50_ms: round(median(runs.map((run) => run.result.latency.p50))),
    p99_ms: round(median(runs.map((run) => run.result.latency.p99))),
    ratio: round(median(ratios)),
    ratios: ratios.map((ratio) => round(ratio)),
  };
}

/**
 * A Keyway logging at warn, once /readyz answers 200: on PGlite in `DATA_DIR` of `env`, or on
 * PostgreSQL with `DATABASE_URL`; with the seconds from its start to that answer (polled every 20 ms).
 */
export async function keyway(env: Record<string, string>, port?: number): Promise<Keyway> {
  const begun = performance.now();
  const server = start('dist/src/main.js', { LOG_LEVEL: 'warn', ADMIN_PASSWORD: PASSWORD, LOGIN_MAX_FAILURES: '1000', ...env }, port);
  await until(`${server.url}/readyz`, server.child, 20);
  return { ...server, startSeconds: (performance.now() - begun) / 1000 };
}

/** An access token for `username`, from POST /login. */
export async function login(url: string, username = 'admin', password = PASSWORD): Promise<string> {
  const reply = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (reply.status !== 200) throw new Error(`login of ${username}: ${reply.status}`);
  return ((await reply.json()) as { token: string }).token;
}
