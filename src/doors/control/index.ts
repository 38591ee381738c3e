import type { FastifyPluginAsync } from 'fastify';
import type { CliRequest, CliResponse } from './protocol.js';
import { serveControlSocket } from './socket.js';

export interface ControlDoorOptions {
  /** The PGlite data directory this server owns; the socket is made in it. */
  dataDir: string;
  /**
   * Runs one command line request. `onUnexpected` hears of an error the
   * caller is told of only in one line (the door logs it).
   */
  execute(request: CliRequest, onUnexpected: (error: unknown) => void): Promise<CliResponse>;
}

/**
 * The command line's door into a running server on PGlite, which owns the
 * data directory: a Unix socket in DATA_DIR, opened once the HTTP doors are
 * ready and closed as the server starts closing.
 */
export const controlDoor: FastifyPluginAsync<ControlDoorOptions> = async (app, { dataDir, execute }) => {
  let control: { close(): Promise<void> } | undefined;
  app.addHook('onReady', async () => {
    control = await serveControlSocket(
      dataDir,
      (request) => execute(request, (error) => app.log.error({ err: error }, 'command failed')),
      (report) => app.log.error(report, 'command line request failed'),
    );
  });
  app.addHook('preClose', async () => control?.close());
};
