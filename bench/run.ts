import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DATA_SECONDS, dataPart } from './data.js';
import { allGoals } from './goals.js';
import { cleanUp, ROUNDS, SECONDS } from './harness.js';
import { printDataTable, printStartupTable, printVerifierLine, printVerifyTable } from './table.js';
import { propagationPart } from './propagation.js';
import { verifierPart } from './verifier.js';
import { verifyPart } from './verify.js';

/**
 * `npm run bench`: Keyway beside references doing the same work with nothing
 * else, loaded on loopback with autocannon in interleaved rounds, on this
 * machine, in this run. Every process it starts is stopped when it ends,
 * however it ends.
 */

// BENCH_PART runs one part: the doors' verification and logins (verify), keyway/verify's verify() against jose's own
// and how fast a revocation reaches another instance and a keyway/verify process (verifier), or the data paths with
// start-up and memory (data).
const PARTS = ['verify', 'verifier', 'data'] as const;
const part = process.env.BENCH_PART;
if (part !== undefined && !(PARTS as readonly string[]).includes(part)) {
  console.error(`BENCH_PART must be one of ${PARTS.join(', ')}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`keyway bench: ${ROUNDS} rounds of ${SECONDS} s per target (${DATA_SECONDS} s for the data paths), ${availableParallelism()} cores`);
  const runs = (name: (typeof PARTS)[number]) => part === undefined || part === name;
  let verify;
  if (runs('verify')) {
    verify = await verifyPart();
    // BENCH_ONLY has printed its few figures.
    if (!verify) return;
  }
  const verifier = runs('verifier') ? { ...(await verifierPart()), propagation: await propagationPart() } : undefined;
  const data = runs('data') ? await dataPart() : undefined;
  const out = {
    ...verify,
    ...(verifier ? { verifier } : {}),
    ...(data ? { data_paths_and_startup: data, goals: allGoals(data) } : {}),
    seconds: Math.round((performance.now() - started) / 1000),
  };
  if (verify) printVerifyTable(verify);
  if (verifier) printVerifierLine(verifier);
  if (data) {
    printDataTable(data);
    printStartupTable(data);
  }
  console.log(`took ${out.seconds} s`);
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, `${JSON.stringify(out, null, 2)}\n`);
}

// Interrupted, the bench still stops what it started; a second signal gives up at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping what it started`);
    process.once(signal, () => process.exit(1));
    void cleanUp().finally(() => process.exit(1));
  });
}

// An error thrown outside main (a timer, a stream) must not leave servers and clusters behind either.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.once(event, (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    void cleanUp().finally(() => process.exit(1));
  });
}

try {
  await main();
} catch (error: unknown) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
