import { availableParallelism } from 'node:os';
import { DATA_CONNECTIONS, type DatabaseKind, type DataOut, type PathKey } from './data.js';
import { allGoals, DATABASE_NAMES, pathGoals, PGLITE_P99_GOAL_MS, RATIO_GOAL, startupGoals, type Goal } from './goals.js';
import type { Figures } from './harness.js';
import { PROPAGATION_GOALS, type PropagationOut } from './propagation.js';
import type { VerifierOut } from './verifier.js';
import type { VerifyOut } from './verify.js';

type Row = [string, Figures & { ratio: number }];

const line = (cells: string[], first = 34) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(first) : cell.padStart(9))).join(' | ')} |`;

export function printVerifyTable(out: NonNullable<VerifyOut>): void {
  const rows: Row[] = [
    ...Object.entries(out.references).map(([name, f]): Row => [`reference: ${name}`, f]),
    ...Object.entries(out.doors).map(([name, f]): Row => [`keyway ${name}`, f]),
    ...Object.entries(out.doors_without_token_cache).map(([name, f]): Row => [`keyway ${name} (no token cache)`, f]),
    ['keyway GET /products', out.products],
  ];
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
}

const mark = (goal: Goal | undefined) => (goal ? ` ${goal.ok ? '✓' : '✗'}` : '');

export function printVerifierLine(out: VerifierOut & { propagation: PropagationOut }): void {
  console.log('');
  console.log(
    `keyway/verify verify(): ${out.verify_per_s}/s against jose.jwtVerify ${out.jose_jwtVerify_per_s}/s on the same tokens ` +
      `(${out.in_flight} in flight, medians of rounds): ratio ${out.ratio.toFixed(2)}${out.ok ? ' ✓' : ' ✗'} (goal ${out.goal})`,
  );
  const { propagation } = out;
  if ('skipped' in propagation) {
    console.log(`revocation propagation: skipped (${propagation.skipped})`);
    return;
  }
  const mark = (ok: boolean) => (ok ? ' ✓' : ' ✗');
  const { other_instance: instance, keyway_verify: verifier } = propagation;
  console.log(
    `a logout on one instance, refused (${propagation.tries} logouts, median / worst): by another instance ` +
      `${instance.median_ms} / ${instance.worst_ms} ms${mark(instance.worst_ms <= PROPAGATION_GOALS.instanceWorstMs)} (goal worst ≤ ${PROPAGATION_GOALS.instanceWorstMs}); ` +
      `by keyway/verify in another process ${verifier.median_ms} / ${verifier.worst_ms} ms` +
      `${mark(verifier.median_ms <= PROPAGATION_GOALS.verifierMedianMs && verifier.worst_ms <= PROPAGATION_GOALS.verifierWorstMs)} ` +
      `(goal ≤ ${PROPAGATION_GOALS.verifierMedianMs} / ${PROPAGATION_GOALS.verifierWorstMs})`,
  );
}

/** Per database: each path's reference, then Keyway on it, with the goals' marks beside the figures they judge. */
export function printDataTable(out: DataOut): void {
  for (const kind of Object.keys(out) as DatabaseKind[]) {
    const figures = out[kind];
    console.log('');
    if ('skipped' in figures) {
      console.log(`${DATABASE_NAMES[kind]}: SKIPPED, ${figures.skipped}`);
      continue;
    }
    console.log(line([`${DATABASE_NAMES[kind]}, ${DATA_CONNECTIONS} connections, median of rounds`, 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'errors'], 44));
    console.log(line(['-'.repeat(44), ...Array.from({ length: 5 }, () => '-'.repeat(9))], 44));
    for (const key of Object.keys(figures.paths) as PathKey[]) {
      const { name, keyway, reference } = figures.paths[key];
      const goals = pathGoals(kind, out, key);
      console.log(line([`reference ${name}`, String(reference.rps), reference.p50_ms.toFixed(2), reference.p99_ms.toFixed(2), '', ''], 44));
      console.log(line([
        `keyway ${name}`,
        String(keyway.rps),
        keyway.p50_ms.toFixed(2),
        `${keyway.p99_ms.toFixed(2)}${mark(goals.p99)}`,
        `${keyway.ratio.toFixed(2)}${mark(goals.ratio)}`,
        `${keyway.errors}${mark(goals.errors)}`,
      ], 44));
    }
  }
  console.log(`goals: ratio ≥ ${RATIO_GOAL} of the reference measured around it, zero errors, on PGlite p99 ≤ ${PGLITE_P99_GOAL_MS} ms`);
}

export function printStartupTable(out: DataOut): void {
  const kinds = Object.keys(out) as DatabaseKind[];
  const cell = (kind: DatabaseKind, pick: (goals: ReturnType<typeof startupGoals>) => Goal | undefined, unit: string, places: number) => {
    if ('skipped' in out[kind]) return 'skipped';
    const goal = pick(startupGoals(kind, out));
    return goal ? `${goal.value.toFixed(places)}${unit}${mark(goal)} (${goal.goal})` : '—';
  };
  const row = (cells: string[]) => `| ${cells[0]!.padEnd(42)} | ${cells.slice(1).map((c) => c.padEnd(28)).join(' | ')} |`;
  console.log('');
  console.log(row(['start-up and memory of Keyway', ...kinds.map((kind) => DATABASE_NAMES[kind])]));
  console.log(row(['-'.repeat(42), ...kinds.map(() => '-'.repeat(28))]));
  console.log(row(['idle RSS (after a few logins, settled)', ...kinds.map((k) => cell(k, (g) => g.idle, ' MB', 0))]));
  console.log(row(['highest RSS under the data paths\' load', ...kinds.map((k) => cell(k, (g) => g.highest, ' MB', 0))]));
  console.log(row(['restart to /readyz 200 (median of 3)', ...kinds.map((k) => cell(k, (g) => g.restart, ' s', 2))]));
  console.log(row(['first start, empty DATA_DIR (median of 3)', ...kinds.map((k) => cell(k, (g) => g.firstStart, ' s', 2))]));
  const goals = allGoals(out);
  const missed = goals.filter((goal) => !goal.ok);
  console.log('');
  console.log(`goals held: ${goals.length - missed.length} of ${goals.length}${missed.length ? '; missed:' : ''}`);
  for (const goal of missed) console.log(`  ✗ ${goal.what}: ${goal.value} (${goal.goal})`);
}
