import { once } from 'node:events';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchSubscriber } from '../../src/doors/streams.js';

// The watch on a Server-Sent Events socket (src/doors/streams.ts), on real sockets: a subscriber that
// stops reading is dropped once its socket has stayed full for two periods; one that reads is kept.

const PERIOD_MS = 100;
const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

/** A server whose one response is watched, and a client that reads it or not. */
async function subscriber(reads: boolean) {
  let response!: ServerResponse;
  const server = createServer((_request, res) => {
    response = res;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    closers.push(watchSubscriber(res, PERIOD_MS, { keepAlive: true }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  const client = request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
  client.end();
  const [answer] = (await once(client, 'response')) as [import('node:http').IncomingMessage];
  const comments: string[] = [];
  if (reads) answer.on('data', (chunk: Buffer) => comments.push(chunk.toString()));
  else answer.pause();
  closers.push(() => client.destroy());
  return { response, comments };
}

describe('watchSubscriber', () => {
  it('drops a subscriber that stops reading once its socket stays full two periods', async () => {
    const { response } = await subscriber(false);
    // Far more than the kernel's buffers take: the rest waits in the response.
    response.write(Buffer.alloc(64 * 1024 * 1024, 'x'));
    const started = Date.now();
    await once(response, 'close');
    expect(Date.now() - started).toBeGreaterThanOrEqual(PERIOD_MS);
    expect(Date.now() - started).toBeLessThan(PERIOD_MS * 10);
  });

  it('keeps a subscriber that reads, with a comment each period', async () => {
    const { response, comments } = await subscriber(true);
    response.write(Buffer.alloc(4 * 1024 * 1024, 'x'));
    await new Promise((resolve) => setTimeout(resolve, PERIOD_MS * 5));
    expect(response.destroyed).toBe(false);
    expect(comments.join('')).toContain(': keep-alive\n\n');
  });
});
