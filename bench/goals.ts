import type { DatabaseKind, DataOut, PathKey } from './data.js';

/** Issue 16's goals for the data paths, start-up and memory, each with the figure it judges. */

export interface Goal {
  what: string;
  value: number;
  goal: string;
  ok: boolean;
}

export const RATIO_GOAL = 0.8;
export const PGLITE_P99_GOAL_MS = 100;
const IDLE_GOAL_MB: Record<DatabaseKind, number> = { pglite: 250, postgres: 150 };
const PEAK_OVER_IDLE_GOAL = 1.5;
const RESTART_GOAL_S: Record<DatabaseKind, number> = { pglite: 1.5, postgres: 1 };
const FIRST_START_GOAL_S = 4;

export const DATABASE_NAMES: Record<DatabaseKind, string> = { pglite: 'PGlite', postgres: 'PostgreSQL' };

const atMost = (what: string, value: number, limit: number, unit = ''): Goal => ({ what, value, goal: `≤ ${limit}${unit}`, ok: value <= limit });
const atLeast = (what: string, value: number, limit: number): Goal => ({ what, value, goal: `≥ ${limit}`, ok: value >= limit });

/** The goals of one path on one database, by the figure they judge. */
export function pathGoals(kind: DatabaseKind, out: DataOut, key: PathKey): { ratio: Goal; errors: Goal; p99?: Goal } {
  const figures = out[kind];
  if ('skipped' in figures) throw new Error('no goals for a database not measured');
  const { name, keyway } = figures.paths[key];
  const of = `${DATABASE_NAMES[kind]} ${name}`;
  return {
    ratio: atLeast(`${of}: ratio to its reference`, keyway.ratio, RATIO_GOAL),
    errors: atMost(`${of}: non-2xx, errors and timeouts`, keyway.errors, 0),
    ...(kind === 'pglite' ? { p99: atMost(`${of}: p99 at 32 connections (ms)`, keyway.p99_ms, PGLITE_P99_GOAL_MS, ' ms') } : {}),
  };
}

export function startupGoals(kind: DatabaseKind, out: DataOut): { idle: Goal; highest: Goal; restart: Goal; firstStart?: Goal } {
  const figures = out[kind];
  if ('skipped' in figures) throw new Error('no goals for a database not measured');
  const name = DATABASE_NAMES[kind];
  const { memory_mb: memory, startup_s: startup } = figures;
  return {
    idle: atMost(`${name}: idle RSS (MB)`, memory.idle, IDLE_GOAL_MB[kind], ' MB'),
    highest: {
      what: `${name}: highest RSS under load (MB), at most ${PEAK_OVER_IDLE_GOAL}× idle`,
      value: memory.highest_under_load,
      goal: `≤ ${PEAK_OVER_IDLE_GOAL}× idle`,
      ok: memory.highest_under_load <= PEAK_OVER_IDLE_GOAL * memory.idle,
    },
    restart: atMost(`${name}: restart to /readyz 200 (s)`, startup.restart, RESTART_GOAL_S[kind], ' s'),
    ...(startup.first_start === undefined ? {} : { firstStart: atMost(`${name}: first start on an empty DATA_DIR (s)`, startup.first_start, FIRST_START_GOAL_S, ' s') }),
  };
}

/** Every goal of the measured databases, in the order of the tables. */
export function allGoals(out: DataOut): Goal[] {
  const kinds = (Object.keys(out) as DatabaseKind[]).filter((kind) => !('skipped' in out[kind]));
  return kinds.flatMap((kind) => {
    const figures = out[kind];
    if ('skipped' in figures) return [];
    const paths = (Object.keys(figures.paths) as PathKey[]).flatMap((key) => Object.values(pathGoals(kind, out, key)));
    return [...paths, ...Object.values(startupGoals(kind, out))];
  });
}
