import { rolesRouter, usersRouter } from './admin.router.js';
import { auditRouter } from './audit.router.js';
import { authRouter } from './auth.router.js';
import { clientsRouter } from './clients.router.js';
import { keysRouter } from './keys.router.js';
import { mfaRouter } from './mfa.router.js';
import { productsRouter } from './products.router.js';
import { sessionsRouter } from './sessions.router.js';
import { router } from './trpc.js';

export const appRouter = router({
  auth: authRouter,
  mfa: mfaRouter,
  sessions: sessionsRouter,
  audit: auditRouter,
  clients: clientsRouter,
  keys: keysRouter,
  users: usersRouter,
  roles: rolesRouter,
  products: productsRouter,
});

export type AppRouter = typeof appRouter;
