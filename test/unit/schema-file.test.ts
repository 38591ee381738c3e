import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printGraphQLSchema } from '../../src/doors/graphql/schema.js';

describe('schema.graphql', () => {
  it('is the SDL the code prints (run `npm run schema` when this fails)', async () => {
    expect(await readFile('schema.graphql', 'utf8')).toBe(await printGraphQLSchema());
  });
});
