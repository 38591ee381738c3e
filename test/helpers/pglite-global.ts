import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  interface ProvidedContext {
    pgliteTemplate: string;
  }
}

/**
 * PGlite's initdb takes seconds; opening an existing cluster, under one. The
 * run initialises one empty cluster (PostgreSQL's own catalog, none of
 * Keyway's tables) that each test database starts as a copy of: Keyway's
 * migrations and first-start setup still run on every one.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-pglite-template-'));
  const cluster = await PGlite.create({ dataDir: join(dir, 'pgdata') });
  await cluster.close();
  project.provide('pgliteTemplate', join(dir, 'pgdata'));
  return () => rmSync(dir, { recursive: true, force: true });
}
