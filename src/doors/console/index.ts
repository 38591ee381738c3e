import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The console (SPEC §15) as `npm run build` leaves it in dist/console: its
 * page at /console and its script and styles under /console/assets, nothing
 * from another host. The policy lets the page load its own script and styles,
 * call Keyway, and draw the QR code it makes itself (a data: image); nothing
 * inline, no frames, no forms posted elsewhere.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

// dist/console beside dist/src when running the build; the build's output too when the tests run src/.
const BUILT = fileURLToPath(new URL(import.meta.url.includes('/dist/src/') ? '../../../console/' : '../../../dist/console/', import.meta.url));

interface Asset {
  body: Buffer;
  etag: string;
}

export const consoleDoor: FastifyPluginAsync = async (app) => {
  const read = new Map<string, Asset>();
  const asset = (name: string): Asset | undefined => {
    const path = name === 'index.html' ? `${BUILT}index.html` : `${BUILT}assets/${name}`;
    let found = read.get(name);
    if (!found && existsSync(path)) {
      const body = readFileSync(path);
      read.set(name, (found = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }));
    }
    return found;
  };

  function send(request: FastifyRequest, reply: FastifyReply, name: string) {
    const found = asset(name);
    if (!found) return reply.code(503).send({ error: 'The console is not built: run npm run build' });
    reply
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      // Revalidated on every load (a deployment changes them), answered 304 while unchanged.
      .header('cache-control', 'no-cache')
      .header('etag', found.etag)
      .type(TYPES[name]!);
    if (request.headers['if-none-match'] === found.etag) return reply.code(304).send();
    return reply.send(found.body);
  }

  app.get('/console', (request, reply) => send(request, reply, 'index.html'));
  app.get('/console/', (request, reply) => send(request, reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/console/assets/:file', (request, reply) => {
    const { file } = request.params;
    if (!Object.hasOwn(TYPES, file) || file === 'index.html') return reply.code(404).send({ error: 'Not found' });
    return send(request, reply, file);
  });
};
