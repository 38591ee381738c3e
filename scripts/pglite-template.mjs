// The empty cluster a first start on PGlite copies instead of running initdb (src/db/pglite/cluster.ts
// reads it): made once, and again only when the installed PGlite is another version.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const target = 'dist/src/db/pglite/template';
const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));

const madeBy = () => {
  try {
    return JSON.parse(readFileSync(join(target, 'made-by.json'), 'utf8')).pglite;
  } catch {
    return undefined;
  }
};

if (madeBy() !== version || !existsSync(join(target, 'pgdata', 'PG_VERSION'))) {
  const partial = `${target}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const cluster = await PGlite.create({ dataDir: join(partial, 'pgdata') });
  await cluster.close();
  writeFileSync(join(partial, 'made-by.json'), `${JSON.stringify({ pglite: version })}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(partial, target);
}
