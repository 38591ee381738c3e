import { describe, expect, it } from 'vitest';
import { EMBEDDED_SETTINGS } from '../../src/db/pglite/thread.js';
import { DB_KIND } from '../helpers/database.js';
import { startServer } from '../helpers/server.js';

describe.runIf(DB_KIND === 'pglite')('the embedded database', () => {
  it('runs with the settings Keyway gives it', async () => {
    const server = await startServer();
    try {
      const sql = server.app.keyway.database.orm.em.getConnection();
      for (const [name, value] of Object.entries(EMBEDDED_SETTINGS)) {
        const [row] = await sql.execute<{ value: string }[]>('select current_setting(?) as value', [name]);
        expect([name, row!.value]).toEqual([name, value]);
      }
    } finally {
      await server.close();
    }
  });
});
