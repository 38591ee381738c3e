import { chmodSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** A command line's request, as the command line parsed it (a password read from its standard input). */
export interface CliRequest {
  words: string[];
  options: { role?: string };
  password?: string;
}

export type CliResponse = { ok: true; output: string } | { ok: false; message: string };

const MAX_REQUEST_BYTES = 64 * 1024;

/** The socket a server on PGlite listens on for its command line, beside the cluster. */
export function controlSocketPath(dataDir: string): string {
  return join(resolve(dataDir), 'keyway.sock');
}

/**
 * PGlite admits one process per data directory, so while a server runs, the
 * command line hands it the work: one JSON request per connection on a Unix
 * socket only the directory's owner can open. The server holds the DATA_DIR
 * lock, so a socket file left by a crash is stale and replaced.
 */
export async function serveControlSocket(
  dataDir: string,
  execute: (request: CliRequest) => Promise<CliResponse>,
): Promise<{ close(): Promise<void> }> {
  const path = controlSocketPath(dataDir);
  rmSync(path, { force: true });
  const server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) return socket.destroy();
      const end = buffer.indexOf('\n');
      if (end === -1) return;
      let request: CliRequest;
      try {
        request = JSON.parse(buffer.slice(0, end)) as CliRequest;
      } catch {
        return void socket.end(`${JSON.stringify({ ok: false, message: 'malformed request' })}\n`);
      }
      void execute(request).then((response) => socket.end(`${JSON.stringify(response)}\n`));
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(path, () => done());
  });
  chmodSync(path, 0o600);
  server.unref();
  return {
    close: () =>
      new Promise((done) => {
        server.close(() => {
          rmSync(path, { force: true });
          done();
        });
      }),
  };
}

/** Sends a request to the server on `dataDir`; undefined when no server listens there. */
export function sendToServer(dataDir: string, request: CliRequest): Promise<CliResponse | undefined> {
  return new Promise((done, fail) => {
    const socket = createConnection(controlSocketPath(dataDir));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => {
      try {
        done(JSON.parse(answer) as CliResponse);
      } catch {
        fail(new Error('the running server gave no answer'));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') done(undefined);
      else fail(error);
    });
  });
}
