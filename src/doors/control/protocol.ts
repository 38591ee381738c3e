import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The control socket's frame format, shared by the server (this door) and
 * its one client, the command line: one JSON line each way per connection,
 * on a Unix socket beside the PGlite cluster.
 */

/**
 * A command line's request, as the command line parsed it (a password read
 * from its standard input). The server checks each frame against it: anything
 * its owner's processes send arrives there, not only our command line's.
 */
export const cliRequest = z.strictObject({
  words: z.array(z.string()),
  options: z.strictObject({
    role: z.string().optional(),
    user: z.string().optional(),
    type: z.string().optional(),
    limit: z.string().optional(),
    search: z.string().optional(),
  }),
  password: z.string().optional(),
});
export type CliRequest = z.infer<typeof cliRequest>;

export type CliResponse = { ok: true; output: string } | { ok: false; message: string };

/** A request or an answer as it travels: its JSON on one line. */
export function encodeFrame(message: CliRequest | CliResponse): string {
  return `${JSON.stringify(message)}\n`;
}

/** The socket a server on PGlite listens on for its command line, beside the cluster. */
export function controlSocketPath(dataDir: string): string {
  return join(resolve(dataDir), 'keyway.sock');
}
