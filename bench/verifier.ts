import { createLocalJWKSet, jwtVerify } from 'jose';
import { createVerifier } from '../src/verify/index.js';
import { startBenchIssuer } from './issuer.js';
import { median, ROUNDS, round } from './harness.js';

/**
 * keyway/verify's `verify()` against the least a service could do with the
 * same library: jose's `jwtVerify` over a `createLocalJWKSet` of the same
 * key, the algorithm and issuer pinned. The verifier is the real one: it
 * discovers a stand-in issuer (bench/issuer.ts) over HTTP and
 * reads its JWKS; only the signing keys are made here. Both verify the same
 * tokens in this process, in interleaved rounds (the order swapped every
 * round), with the same number of verifications in flight.
 */

export const VERIFIER_RATIO_GOAL = 0.9;
/** Seconds per candidate per round: a verification takes tens of microseconds, so a second is tens of thousands. */
const SECONDS = 1;
/** Verifications in flight: jose's RSA verification runs on libuv's threads, so one at a time would measure hops. */
const IN_FLIGHT = 8;
/** Distinct tokens (sessions, ids), cycled, so that nothing is measured on one cached token. */
const TOKENS = 64;

export type VerifierOut = Awaited<ReturnType<typeof verifierPart>>;

type Verify = (token: string) => Promise<boolean>;

export async function verifierPart() {
  const issuer = await startBenchIssuer();
  const verifier = await createVerifier({ issuer: issuer.url });
  try {
    const tokens = await Promise.all(Array.from({ length: TOKENS }, () => issuer.sign()));
    const jwks = createLocalJWKSet({ keys: issuer.keys });
    const pinned = { issuer: issuer.url, algorithms: ['RS256'] };
    const candidates: Record<'jose' | 'verifier', Verify> = {
      jose: (token) => jwtVerify(token, jwks, pinned).then(() => true),
      verifier: (token) => verifier.verify(token).then((result) => result.ok),
    };

    for (const verify of Object.values(candidates)) await perSecond(verify, tokens, 1);
    const runs = { jose: [] as number[], verifier: [] as number[] };
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['jose', 'verifier'] as const) : (['verifier', 'jose'] as const);
      for (const name of order) runs[name].push(await perSecond(candidates[name], tokens, SECONDS));
      ratios.push(runs.verifier.at(-1)! / runs.jose.at(-1)!);
    }
    process.stdout.write(`  keyway/verify: ${ROUNDS} rounds done\n`);
    const ratio = round(median(ratios));
    return {
      verify_per_s: Math.round(median(runs.verifier)),
      jose_jwtVerify_per_s: Math.round(median(runs.jose)),
      ratio,
      ratios: ratios.map((value) => round(value)),
      in_flight: IN_FLIGHT,
      goal: `≥ ${VERIFIER_RATIO_GOAL}`,
      ok: ratio >= VERIFIER_RATIO_GOAL,
    };
  } finally {
    await verifier.close();
    await issuer.close();
  }
}

/** Verifications per second over `seconds`, IN_FLIGHT at a time; any token refused fails the run. */
async function perSecond(verify: Verify, tokens: string[], seconds: number): Promise<number> {
  let done = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < deadline) {
        if (!(await verify(tokens[next++ % tokens.length]!))) throw new Error('keyway/verify bench: a good token was refused');
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}
