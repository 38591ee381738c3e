import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const run = promisify(execFile);

describe('loadConfig', () => {
  it('has the defaults of the README', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:4000',
      database: { kind: 'pglite', dataDir: './data' },
      admin: { username: 'admin', password: undefined },
      jwt: { issuer: undefined, accessTtlSeconds: 14400, clockToleranceSeconds: 5, secret: undefined },
      sessions: { refreshTtlSeconds: 30 * 86400, reuseIntervalSeconds: 10 },
      throttle: { maxFailures: 5, windowSeconds: 900 },
      hideUnknownUsers: false,
      trustProxy: undefined,
      auditRetentionSeconds: 90 * 86400,
      metricsToken: undefined,
    });
  });

  it('reads durations, DATABASE_URL, booleans and proxies', () => {
    const config = loadConfig({
      TOKEN_TTL: '15m',
      REFRESH_TTL: '7d',
      CLOCK_TOLERANCE: '0',
      DATABASE_URL: 'postgresql://keyway@db:5432/keyway',
      HIDE_UNKNOWN_USERS: 'true',
      TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,loopback',
      PUBLIC_URL: 'https://auth.example.com/',
    });
    expect(config.jwt.accessTtlSeconds).toBe(900);
    expect(config.sessions.refreshTtlSeconds).toBe(7 * 86400);
    expect(config.jwt.clockToleranceSeconds).toBe(0);
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgresql://keyway@db:5432/keyway' });
    expect(config.hideUnknownUsers).toBe(true);
    expect(config.trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', 'loopback']);
    expect(config.jwt.issuer).toBe('https://auth.example.com');
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', JWT_SECRET: '' }).port).toBe(4000);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ TOKEN_TTL: 'forever' }, 'TOKEN_TTL'],
    [{ TOKEN_TTL: '10s' }, 'TOKEN_TTL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ HIDE_UNKNOWN_USERS: 'maybe' }, 'HIDE_UNKNOWN_USERS'],
    [{ TRUST_PROXY: 'everyone' }, 'TRUST_PROXY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
    [{ ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
    [{ REFRESH_TTL: '1h', TOKEN_TTL: '4h' }, 'REFRESH_TTL'],
    [{ AUDIT_RETENTION: '1m' }, 'AUDIT_RETENTION'],
    [{ METRICS_TOKEN: 'x'.repeat(513) }, 'METRICS_TOKEN'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it.each([
    ['admin\u200B', 'must not contain invisible or formatting characters'],
    ['\u0430dmin', 'must not mix scripts (Latin may go with one other, but not Cyrillic or Greek)'],
    ['\uFDFA'.repeat(15), 'must be at most 254 characters, also once normalised'],
  ])('refuses an ADMIN_USERNAME no admin could create: %j', (username, problem) => {
    expect(() => loadConfig({ ADMIN_USERNAME: username })).toThrow(new ConfigError(`Invalid configuration: ADMIN_USERNAME ${problem}`));
  });

  it('never echoes a secret it refuses', () => {
    const secret = 'too-short-secret';
    expect(() => loadConfig({ JWT_SECRET: secret })).toThrow(new ConfigError('Invalid configuration: JWT_SECRET must be at least 32 bytes'));
    expect(() => loadConfig({ METRICS_TOKEN: 'short-token' })).toThrow(new ConfigError('Invalid configuration: METRICS_TOKEN must be at least 16 characters'));
  });
});

describe('npm start with a wrong value', () => {
  it('stops with exit code 1 and one line naming the variable', async () => {
    const result = await run(process.execPath, ['dist/src/main.js'], {
      env: { ...process.env, PORT: '70000', DATA_DIR: '/nonexistent/never-created' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('keyway: Invalid configuration: PORT must be at most 65535\n');
  });
});
