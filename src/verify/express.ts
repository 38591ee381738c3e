import type { NextFunction, Request, Response } from 'express';
import type { JWTPayload } from 'jose';
import { authenticate } from './bearer.js';
import type { Verifier } from './verifier.js';

declare global {
  // Express's own way to add to its Request type (declaration merging with its global namespace).
  namespace Express {
    interface Request {
      /** The verified claims of the request's Keyway token, set by `keywayExpressMiddleware`. */
      keyway?: JWTPayload;
    }
  }
}

/**
 * Express middleware: a request with a valid Keyway token goes on with its
 * claims on `req.keyway`; any other is answered 401
 * `{"error":"UNAUTHENTICATED","message":…}` with `WWW-Authenticate`.
 *
 *     app.use(keywayExpressMiddleware(verifier));
 */
export function keywayExpressMiddleware(verifier: Verifier): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    authenticate(verifier, req.headers.authorization).then((outcome) => {
      if (outcome.ok) {
        req.keyway = outcome.claims;
        next();
        return;
      }
      const { status, challenge, body } = outcome.refusal;
      res.status(status).set('www-authenticate', challenge).json(body);
    }, next);
  };
}
