import { constants, cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The empty cluster `npm run build` makes once (scripts/pglite-template.mjs), beside this module in
 * dist/: a first start copies it rather than run PGlite's initdb, which takes seconds and, for a
 * moment, a gigabyte of memory. Absent under src/ (the tests' in-process servers run initdb).
 */
const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), 'template');

/** The PGlite installed now: a cluster is tied to the PostgreSQL major version of the PGlite that made it. */
function installedPgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The template's cluster, when the build made one with the PGlite installed now. */
export function clusterTemplate(): string | undefined {
  try {
    const madeBy = JSON.parse(readFileSync(join(TEMPLATE, 'made-by.json'), 'utf8')) as { pglite?: string };
    const cluster = join(TEMPLATE, 'pgdata');
    return madeBy.pglite === installedPgliteVersion() && existsSync(join(cluster, 'PG_VERSION')) ? cluster : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gives `pgdata` a cluster on a first start, a copy of the build's template: copied under another name
 * and renamed into place, so a start that dies halfway leaves no half a cluster that a later start would
 * take for a database. With no template, or something other than an empty directory already at
 * `pgdata`, it does nothing and PGlite runs its own initdb, as it always did. Call it holding the
 * DATA_DIR lock.
 */
export function provideCluster(pgdata: string): void {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return;
  const template = clusterTemplate();
  if (!template) return;
  const partial = `${pgdata}.partial`;
  // What a start that died during its copy left; nobody else uses it: the lock is ours.
  rmSync(partial, { recursive: true, force: true });
  // A reflink where the file system has them, an ordinary copy elsewhere.
  cpSync(template, partial, { recursive: true, mode: constants.COPYFILE_FICLONE });
  try {
    // Replaces an empty directory (PGlite creates one before initdb); refuses one with anything in it.
    renameSync(partial, pgdata);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
}
