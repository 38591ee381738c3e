import { rolesRouter, usersRouter } from './admin.router.js';
import { authRouter } from './auth.router.js';
import { mfaRouter } from './mfa.router.js';
import { productsRouter } from './products.router.js';
import { router } from './trpc.js';

export const appRouter = router({
  auth: authRouter,
  mfa: mfaRouter,
  users: usersRouter,
  roles: rolesRouter,
  products: productsRouter,
});

export type AppRouter = typeof appRouter;
