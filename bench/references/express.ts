import express from 'express';
import jwt from 'jsonwebtoken';
import { publicKey } from './token.js';

/**
 * A service in the replaced APIs' style: Express and jsonwebtoken, handed the
 * key as a PEM string (as such services keep it), verifying on every request.
 */
const pem = publicKey().export({ type: 'spki', format: 'pem' }) as string;
const app = express();
app.post('/api/verify_token', (request, response) => {
  const token = request.headers.authorization?.split(' ')[1];
  try {
    const payload = jwt.verify(token ?? '', pem, { algorithms: ['RS256'] });
    response.json({ valid: true, payload });
  } catch {
    response.status(500).json({ code: 500, valid: false, error: 'Token is not valid. Please login again.' });
  }
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
