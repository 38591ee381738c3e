import Fastify from 'fastify';
import { publicKey, verifyRs256 } from './token.js';

/** A bare Fastify route doing the floor's work. */
const key = publicKey();
const app = Fastify({ logger: false });
app.post('/api/verify_token', async (request, reply) => {
  const claims = verifyRs256(request.headers.authorization, key);
  if (claims) return { valid: true, payload: claims };
  return reply.code(500).send({ code: 500, valid: false, error: 'Token is not valid. Please login again.' });
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.send?.('ready');
