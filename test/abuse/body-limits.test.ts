import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { sendStreamedBody, type StreamedRequest } from '../helpers/streamed-body.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(() => server?.close());

const LIMIT = 64 * 1024;

/** Each door's words for a body over the limit, and for a body of a type it does not read. */
const DOORS = {
  stockapi: {
    path: '/login',
    tooLarge: '{"message":"El cuerpo de la solicitud es demasiado grande"}',
    wrongType: [415, '{"message":"El cuerpo debe enviarse como application/json"}'],
  },
  b2market: {
    path: '/api/login',
    tooLarge: '{"code":413,"error":"Request body is too large."}',
    wrongType: [415, '{"code":415,"error":"Content-Type must be application/json."}'],
  },
  graphql: {
    path: '/graphql',
    tooLarge: '{"errors":[{"message":"Request body is too large","extensions":{"code":"BAD_REQUEST"}}]}',
    wrongType: [415, '{"errors":[{"message":"Content-Type must be application/json","extensions":{"code":"BAD_REQUEST"}}]}'],
  },
  trpc: {
    path: '/trpc/auth.login',
    tooLarge:
      '{"error":{"message":"Request body is too large","code":-32013,"data":{"code":"PAYLOAD_TOO_LARGE","httpStatus":413,"path":"auth.login","domainCode":"BAD_USER_INPUT"}}}',
    // tRPC reads every type (FormData and octet streams included), so nothing is refused for its type.
    wrongType: undefined,
  },
} as const;

const MULTIPART = 'multipart/form-data; boundary=keyway';

/** Bodies of each type, as long as asked: a real start, then filler. */
const TYPES: Record<string, { headers: Record<string, string>; head: string; filler: string; readBy: Array<keyof typeof DOORS> }> = {
  json: { headers: { 'content-type': 'application/json' }, head: '{"username":"admin","password":"', filler: 'x', readBy: ['stockapi', 'b2market', 'graphql', 'trpc'] },
  multipart: {
    headers: { 'content-type': MULTIPART },
    head: '--keyway\r\nContent-Disposition: form-data; name="username"\r\n\r\nadmin\r\n--keyway\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n',
    filler: 'x',
    readBy: ['trpc'],
  },
  'octet-stream': { headers: { 'content-type': 'application/octet-stream' }, head: '', filler: '\u0000\u00ff', readBy: ['trpc'] },
  'text/plain': { headers: { 'content-type': 'text/plain' }, head: '{"query":"', filler: 'x', readBy: ['graphql', 'trpc'] },
  'no content type': { headers: {}, head: '{"username":"admin","password":"', filler: 'x', readBy: ['trpc'] },
};

/** What a door answers a body just over the limit: 413, unless sent chunked in a type it does not read (415, unread). */
function expected(door: keyof typeof DOORS, type: string, chunked: boolean): [number, string] {
  const { tooLarge, wrongType } = DOORS[door];
  if (!chunked || TYPES[type]!.readBy.includes(door) || !wrongType) return [413, tooLarge];
  return [wrongType[0], wrongType[1]];
}

function request(door: keyof typeof DOORS, type: string, length: number, chunked: boolean): StreamedRequest {
  const { headers, head, filler } = TYPES[type]!;
  return { path: DOORS[door].path, headers, head, filler, length, chunked };
}

describe('a body just over 64 KiB', () => {
  for (const door of Object.keys(DOORS) as Array<keyof typeof DOORS>) {
    for (const type of Object.keys(TYPES)) {
      for (const chunked of [false, true]) {
        it(`${door}, ${type}, ${chunked ? 'chunked' : 'with its length'}`, async () => {
          const reply = await sendStreamedBody(server.url, request(door, type, LIMIT + 1, chunked));
          expect([reply.status, reply.text]).toEqual(expected(door, type, chunked));
          expect(reply.headers['content-type']).toMatch(/^application\/json/);
          // The rest of the body is not read: the connection ends with the answer.
          expect(reply.headers.connection).toBe('close');
        });
      }
    }
  }

  it('is the limit: 64 KiB exactly is read, on every door and in every type tRPC takes', async () => {
    for (const door of Object.keys(DOORS) as Array<keyof typeof DOORS>) {
      const reply = await sendStreamedBody(server.url, request(door, 'json', LIMIT, true));
      expect(reply.status, door).toBe(400);
    }
    // Read whole, then refused by tRPC itself: a FormData that does not end, an input that is not an
    // object, a type it does not parse or none.
    const answers = { multipart: 'BAD_REQUEST', 'octet-stream': 'BAD_REQUEST', 'text/plain': 'UNSUPPORTED_MEDIA_TYPE', 'no content type': 'UNSUPPORTED_MEDIA_TYPE' };
    for (const [type, code] of Object.entries(answers)) {
      const reply = await sendStreamedBody(server.url, request('trpc', type, LIMIT, true));
      expect(JSON.parse(reply.text).error.data.code, type).toBe(code);
    }
  });
});

describe('a body that does not end', () => {
  const TOTAL = 64 * 1024 * 1024;
  // Well below the total, well above what loopback socket buffers hold between the two ends.
  const BOUND = 16 * 1024 * 1024;

  for (const door of Object.keys(DOORS) as Array<keyof typeof DOORS>) {
    for (const type of ['json', 'multipart']) {
      it(`${door}, ${type}: is answered, and no longer read, soon after the limit`, async () => {
        const reply = await sendStreamedBody(server.url, request(door, type, TOTAL, true));
        expect([reply.status, reply.text]).toEqual(expected(door, type, true));
        expect(reply.sentWhenAnswered).toBeLessThan(BOUND);
        expect(reply.sentInAll).toBeLessThan(BOUND);
      });
    }
  }

  it('sent with a GET, is not read to its end either', async () => {
    for (const path of ['/healthz', '/graphql?query=%7B__typename%7D', '/trpc/auth.me']) {
      const reply = await sendStreamedBody(server.url, { method: 'GET', path, headers: { 'apollo-require-preflight': 'true' }, length: TOTAL, chunked: true });
      expect(reply.status, path).toBeLessThan(500);
      expect(reply.sentInAll, path).toBeLessThan(BOUND);
    }
  });

  it('leaves a connection open when its body was read whole', async () => {
    const body = JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD });
    const reply = await sendStreamedBody(server.url, { path: '/login', headers: { 'content-type': 'application/json' }, head: body, length: body.length, chunked: false });
    expect(reply.status).toBe(200);
    expect(reply.headers.connection).toBe('keep-alive');
    const get = await sendStreamedBody(server.url, { method: 'GET', path: '/healthz', length: 0, chunked: false });
    expect([get.status, get.headers.connection]).toEqual([200, 'keep-alive']);
  });

  it('leaves the server serving', async () => {
    expect((await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
  });
});
