import { randomBytes } from 'node:crypto';
import type { Orm } from './database.js';
import { ServerSecret } from './entities/index.js';

/**
 * A value every instance shares, fixed by the first start that asked for it:
 * `initial` is recorded when the database has none, and whatever was recorded
 * is answered from then on. Call it under the setup lock.
 */
export async function recordedValue(orm: Orm, name: string, initial: () => string): Promise<string> {
  const em = orm.em.fork();
  const existing = await em.findOne(ServerSecret, { name }, { populate: ['value'] });
  if (existing) return existing.value;
  const value = initial();
  em.create(ServerSecret, { name, value });
  await em.flush();
  return value;
}

/** A random secret every instance shares (the refresh-token MAC key). */
export async function serverSecret(orm: Orm, name: string): Promise<Buffer> {
  return Buffer.from(await recordedValue(orm, name, () => randomBytes(32).toString('base64')), 'base64');
}
