import { randomBytes } from 'node:crypto';
import type { Orm } from './database.js';
import { ServerSecret } from './entities/index.js';

/** A secret every instance shares, created on first use (call it under the setup lock). */
export async function serverSecret(orm: Orm, name: string): Promise<Buffer> {
  const em = orm.em.fork();
  const existing = await em.findOne(ServerSecret, { name }, { populate: ['value'] });
  if (existing) return Buffer.from(existing.value, 'base64');
  const value = randomBytes(32);
  em.create(ServerSecret, { name, value: value.toString('base64') });
  await em.flush();
  return value;
}
