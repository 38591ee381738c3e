import { connect } from 'node:net';

export interface StreamedReply {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Body bytes the client had handed to its socket when the whole answer had arrived. */
  sentWhenAnswered: number;
  /** Body bytes it managed to hand over in all, before the server closed the connection or the body ended. */
  sentInAll: number;
}

export interface StreamedRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as is, then `filler` repeated until `length` bytes of body in all. */
  head?: string;
  filler?: string;
  length: number;
  /** Chunked transfer encoding, no Content-Length; otherwise the length is declared. */
  chunked: boolean;
}

const PIECE = 64 * 1024;

/**
 * A request on a socket of its own whose body is generated as it is sent,
 * with backpressure, so a body of any length costs the client nothing up
 * front. It counts what it sends: a server that stops reading at its limit
 * answers long before a large body is all sent, and closes the connection
 * rather than read (and discard) the rest.
 */
export function sendStreamedBody(baseUrl: string, request: StreamedRequest): Promise<StreamedReply> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  let sent = 0;
  let closed = false;
  let answer: Omit<StreamedReply, 'sentInAll'> | undefined;
  let received = Buffer.alloc(0);

  socket.on('data', (data: Buffer) => {
    received = Buffer.concat([received, data]);
    answer ??= parseAnswer(received, sent);
  });
  const ended = new Promise<void>((resolve) => {
    socket.on('close', () => {
      closed = true;
      resolve();
    });
    // A write after the server closed: EPIPE or ECONNRESET, the sign that it stopped reading.
    socket.on('error', () => {
      closed = true;
      resolve();
    });
  });
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });

  async function write() {
    const framing = request.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(request.length) };
    const headers = { host: `${hostname}:${port}`, ...request.headers, ...framing };
    socket.write(`${request.method ?? 'POST'} ${request.path} HTTP/1.1\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`);
    const head = Buffer.from(request.head ?? '');
    const filler = Buffer.from((request.filler ?? 'x').repeat(Math.ceil(PIECE / (request.filler ?? 'x').length))).subarray(0, PIECE);
    while (sent < request.length && !closed) {
      const piece = sent === 0 && head.length > 0 ? head.subarray(0, request.length) : filler.subarray(0, Math.min(PIECE, request.length - sent));
      const framed = request.chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
      const more = socket.write(framed);
      sent += piece.length;
      if (!more) await drained();
    }
    if (!closed && request.chunked) socket.write('0\r\n\r\n');
  }

  return (async () => {
    await write();
    const deadline = Date.now() + 20_000;
    while (!answer && !closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const sentInAll = sent;
    socket.destroy();
    await ended;
    if (!answer) throw new Error(`no answer to ${request.path} after ${sent} bytes`);
    return { ...answer, sentInAll };
  })();
}

/** The first answer in what has arrived, once it has all arrived (with a Content-Length, or chunked). */
function parseAnswer(received: Buffer, sent: number): Omit<StreamedReply, 'sentInAll'> | undefined {
  const end = received.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine, ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  const body = headers['transfer-encoding'] === 'chunked' ? unchunked(received.subarray(end + 4)) : received.subarray(end + 4);
  const length = headers['transfer-encoding'] === 'chunked' ? body?.length : Number(headers['content-length'] ?? 0);
  if (!body || length === undefined || body.length < length) return undefined;
  return { status: Number(statusLine!.split(' ')[1]), headers, text: body.subarray(0, length).toString('utf8'), sentWhenAnswered: sent };
}

/** A chunked body once its last chunk has arrived. */
function unchunked(framed: Buffer): Buffer | undefined {
  const pieces: Buffer[] = [];
  let at = 0;
  for (;;) {
    const line = framed.indexOf('\r\n', at);
    if (line === -1) return undefined;
    const size = parseInt(framed.subarray(at, line).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(pieces);
    if (framed.length < line + 2 + size + 2) return undefined;
    pieces.push(framed.subarray(line + 2, line + 2 + size));
    at = line + 2 + size + 2;
  }
}
