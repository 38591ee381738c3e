import { createServer } from 'node:http';
import { publicKey, verifyRs256 } from './token.js';

/** The floor: node:http and node:crypto, nothing else, answering what /api/verify_token answers. */
const key = publicKey();
createServer((request, response) => {
  const claims = verifyRs256(request.headers.authorization, key);
  const body = claims ? { valid: true, payload: claims } : { code: 500, valid: false, error: 'Token is not valid. Please login again.' };
  response.writeHead(claims ? 200 : 500, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
