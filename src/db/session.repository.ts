import type { SessionStore } from '../core/records.js';
import type { Orm } from './database.js';
import { Session, User } from './entities/index.js';

export function createSessionRepository(orm: Orm): SessionStore {
  return {
    async create(session) {
      const em = orm.em.fork();
      em.create(Session, {
        id: session.id,
        user: em.getReference(User, session.userId),
        refreshTokenHash: session.refreshTokenHash,
        expiresAt: session.expiresAt,
        revokedAt: null,
        userAgent: session.userAgent,
        ipAddress: session.ipAddress,
      });
      await em.flush();
    },
  };
}
