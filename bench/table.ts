import { availableParallelism } from 'node:os';
import type { Figures } from './harness.js';
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
