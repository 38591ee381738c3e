/**
 * The same data in every Keyway the data paths are measured on, put there
 * through Keyway's own API as the admin: 1,000 products (POST /products) and
 * 200 users (tRPC users.create, one argon2 hash each).
 */

export const PRODUCTS = 1000;
export const USERS = 200;
const ROLES = ['viewer', 'vendedor', 'developer'];

/** Runs `work` on 0…count−1, `lanes` at a time. */
async function inLanes(count: number, lanes: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < count) await work(next++);
  }));
}

async function post(url: string, token: string, body: unknown, expected: number): Promise<unknown> {
  const reply = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (reply.status !== expected) throw new Error(`seeding: POST ${url} answered ${reply.status}: ${await reply.text()}`);
  return reply.json();
}

/** Seeds a Keyway; resolves to the id of the product in the middle, the one GET /products/:id reads. */
export async function seed(url: string, token: string): Promise<number> {
  const ids: number[] = [];
  await inLanes(PRODUCTS, 8, async (i) => {
    const n = String(i + 1).padStart(4, '0');
    const product = (await post(`${url}/products`, token, {
      sku: `BENCH-${n}`,
      name: `Product ${n}`,
      description: `A product of the bench, number ${n}, with a description of a usual length for a catalogue.`,
      price: ((i * 137) % 100_000 / 100).toFixed(2),
      stock: (i * 7) % 500,
    }, 201)) as { id: number };
    ids[i] = product.id;
  });
  await inLanes(USERS, 4, async (i) => {
    const username = `bench-user-${String(i + 1).padStart(3, '0')}`;
    await post(`${url}/trpc/users.create`, token, { username, password: 'bench-user-password', role: ROLES[i % ROLES.length] }, 200);
  });
  return ids[PRODUCTS / 2]!;
}
