import { createConnection } from 'node:net';
import { controlSocketPath, encodeFrame, type CliRequest, type CliResponse } from '../doors/control/protocol.js';

/** Sends a request to the server on `dataDir`; undefined when no server listens there. */
export function sendToServer(dataDir: string, request: CliRequest): Promise<CliResponse | undefined> {
  return new Promise((done, fail) => {
    const socket = createConnection(controlSocketPath(dataDir));
    let connected = false;
    let answer = '';
    const finish = () => {
      try {
        done(JSON.parse(answer) as CliResponse);
      } catch {
        fail(new Error('the running server gave no answer'));
      }
    };
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(encodeFrame(request));
    });
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', finish);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')) done(undefined);
      // The server may close on the rest of a request it refused (too large): its answer came first.
      else if (answer.endsWith('\n')) finish();
      else fail(error);
    });
  });
}
