import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { cliRequest, controlSocketPath, encodeFrame, type CliRequest, type CliResponse } from './protocol.js';

/** What the command line is told of an error the server did not expect: the details go to the server's log. */
export const INTERNAL_ERROR = 'internal error; see the server log';

/** An unexpected error as the server logs it. */
export interface UnexpectedError {
  /** The request's first two words ("users create"), when there was a request. */
  command?: string;
  /** The error itself: the server's log serializer keeps a database error's kind and SQLSTATE, never its statement. */
  err: unknown;
}

const MAX_REQUEST_BYTES = 64 * 1024;
// The command line writes its request as soon as it connects (it reads the password before).
const REQUEST_TIMEOUT_MS = 5_000;
// Each connection holds a descriptor: a flood of them must not starve the HTTP server of its own.
const MAX_CONNECTIONS = 32;
/** How long a client may keep writing after its answer before the connection is cut. */
const ANSWERED_LINGER_MS = 1000;

/**
 * PGlite admits one process per data directory, so while a server runs, the
 * command line hands it the work: one JSON request per connection on a Unix
 * socket only the directory's owner can open. The server holds the DATA_DIR
 * lock, so a socket file left by a crash is stale and replaced. Whatever
 * arrives, the server answers one line and keeps running: `onUnexpected`
 * hears of the errors that are not the caller's to know.
 */
export async function serveControlSocket(
  dataDir: string,
  execute: (request: CliRequest) => Promise<CliResponse>,
  onUnexpected: (report: UnexpectedError) => void,
): Promise<{ close(): Promise<void> }> {
  const path = controlSocketPath(dataDir);
  rmSync(path, { force: true });
  let connections = 0;
  // Half-open: a client may end its side once it has written, and still read the answer.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    connections++;
    socket.on('close', () => connections--);
    if (connections > MAX_CONNECTIONS) return answer(socket, { ok: false, message: 'busy with other commands; try again' });
    serveConnection(socket, execute, onUnexpected);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(path, () => {
      server.off('error', fail);
      done();
    });
  });
  // Accepting can fail later (no descriptors left): that connection is lost, the server is not.
  server.on('error', (error) => onUnexpected({ err: error }));
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

function serveConnection(
  socket: Socket,
  execute: (request: CliRequest) => Promise<CliResponse>,
  onUnexpected: (report: UnexpectedError) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let reading = true;
  const refuse = (message: string) => {
    reading = false;
    answer(socket, { ok: false, message });
  };

  // A deadline for the whole request, not for each silence: a trickle of bytes cannot hold the connection.
  const deadline = setTimeout(() => reading && refuse(`no request within ${REQUEST_TIMEOUT_MS / 1000} seconds`), REQUEST_TIMEOUT_MS);
  deadline.unref();
  socket.on('close', () => clearTimeout(deadline));
  socket.on('end', () => reading && refuse('incomplete request: no newline before the end'));
  socket.on('data', (chunk: Buffer) => {
    if (!reading) return;
    const newline = chunk.indexOf(0x0a);
    const part = newline === -1 ? chunk : chunk.subarray(0, newline);
    size += part.length;
    if (size > MAX_REQUEST_BYTES) return refuse(`request over ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(part);
    if (newline === -1) return;

    reading = false;
    clearTimeout(deadline);
    const request = parseRequest(Buffer.concat(chunks));
    if (!request) return refuse('malformed request');
    Promise.resolve()
      .then(() => execute(request))
      .catch((error: unknown) => {
        onUnexpected({ command: request.words.slice(0, 2).join(' '), err: error });
        return { ok: false as const, message: INTERNAL_ERROR };
      })
      .then((response) => answer(socket, response))
      .catch(() => socket.destroy());
  });
}

/**
 * One line, then our side is closed. Only our side: a client answered before
 * it finished writing (a busy server answers at once) would get EPIPE on its
 * next write, and an errored socket drops the answer it had not read yet. So
 * what it still sends is read and dropped, it closes on reading our end, and
 * one that does not is cut off a second later.
 */
function answer(socket: Socket, response: CliResponse): void {
  if (socket.destroyed || socket.writableEnded) return;
  socket.end(encodeFrame(response));
  socket.resume();
  setTimeout(() => socket.destroy(), ANSWERED_LINGER_MS).unref();
}

/** One frame as a request, or undefined when it is not valid UTF-8, not JSON, or not a request's shape. */
function parseRequest(frame: Buffer): CliRequest | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(frame);
    const parsed = cliRequest.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
