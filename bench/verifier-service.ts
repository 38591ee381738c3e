import { createVerifier } from 'keyway/verify';

/**
 * A service using the built keyway/verify, in a process of its own (forked
 * by bench/propagation.ts): sent a token, it verifies it until it is refused
 * and answers when (epoch ms); it follows the feed of the Keyway it is given.
 */
const { ISSUER, KEYWAY_URL, CLIENT_ID, CLIENT_SECRET } = process.env;
const verifier = await createVerifier({ issuer: ISSUER!, url: KEYWAY_URL, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
process.send!({ ready: verifier.feed });

process.on('message', async (message: { watch?: string; close?: true }) => {
  if (message.close) {
    await verifier.close();
    process.disconnect();
    return;
  }
  const token = message.watch!;
  if (!(await verifier.verify(token)).ok) return process.send!({ error: 'refused before its logout' });
  process.send!({ watching: true });
  for (;;) {
    const result = await verifier.verify(token);
    if (!result.ok) return process.send!({ refusedAt: Date.now(), reason: result.reason });
    await new Promise((resolve) => setImmediate(resolve));
  }
});
