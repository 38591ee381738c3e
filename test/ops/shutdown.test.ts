import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.js';
import { call, post } from '../helpers/http.js';
import { runLogFile } from '../helpers/logs.js';
import { freePort } from '../helpers/postgres.js';
import { ADMIN_PASSWORD, startServer } from '../helpers/server.js';

describe('SIGTERM', () => {
  it('stops accepting, answers every login in flight, closes the database and exits 0', { timeout: 90_000 }, async () => {
    const database = await createTestDatabase();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      env: { ...process.env, DATA_DIR: '', DATABASE_URL: '', ...database.env, PORT: String(port), HOST: '127.0.0.1', ADMIN_PASSWORD, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const arrived: string[] = [];
    const completed: string[] = [];
    let onArrival = () => {};
    const keep = runLogFile('child');
    child.stderr.on('data', (chunk: Buffer) => keep(chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      keep(line);
      const entry = JSON.parse(line) as { msg?: string; reqId?: string; req?: { url?: string } };
      if (entry.msg === 'incoming request' && entry.req?.url === '/login') arrived.push(entry.reqId!);
      if (entry.msg === 'request completed' && entry.reqId && arrived.includes(entry.reqId)) completed.push(entry.reqId);
      onArrival();
    });

    try {
      for (let tries = 0; tries < 300 && (await call(url, '/healthz').catch(() => undefined))?.status !== 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const logins = Array.from({ length: 12 }, () => post(url, '/login', { username: 'admin', password: ADMIN_PASSWORD }));
      await new Promise<void>((resolve) => {
        onArrival = () => arrived.length === 12 && resolve();
        onArrival();
      });
      const inFlight = 12 - completed.length;
      child.kill('SIGTERM');

      const replies = await Promise.all(logins);
      expect(replies.map((reply) => reply.status)).toEqual(Array(12).fill(200));
      expect(inFlight).toBeGreaterThan(0); // the signal came while logins were still being answered
      expect(await exited).toBe(0);
      await expect(call(url, '/healthz')).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
    }

    // The database was closed cleanly: it opens again, with everything in it.
    const again = await startServer({ database });
    try {
      expect((await post(again.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
    } finally {
      await again.close();
    }
  });
});
