import { Migration } from '@mikro-orm/migrations';
import { lookalikeKey } from '../../core/lookalikes.js';

const ROWS_PER_UPDATE = 1000;

/**
 * Each user's lookalike key (core/lookalikes.ts), under a unique constraint.
 * Names that look alike can already be there, created before names were
 * checked ("admin" and "аdmin"): the oldest of each such group keeps the key
 * and the later ones get null, so the constraint can be added, and it
 * refuses any new name that looks like the group. Nobody is renamed: every
 * existing user logs in as before.
 */
export class Migration20261123000300_username_skeletons extends Migration {
  override name = 'Migration20261123000300_username_skeletons';

  override async up(): Promise<void> {
    const users = (await this.execute('select "id", "username" from "users" order by "id"')) as { id: number; username: string }[];
    const seen = new Set<string>();
    const keys: [number, string][] = [];
    for (const { id, username } of users) {
      const key = lookalikeKey(username);
      if (seen.has(key)) continue;
      seen.add(key);
      keys.push([id, key]);
    }

    this.addSql(`alter table "users" add column "username_skeleton" varchar(64) null;`);
    for (let start = 0; start < keys.length; start += ROWS_PER_UPDATE) {
      // Inlined as literals: ids are integers and keys base64url, nothing to escape.
      const values = keys
        .slice(start, start + ROWS_PER_UPDATE)
        .map(([id, key]) => `(${Number(id)}, '${key}')`)
        .join(', ');
      this.addSql(`update "users" as "u" set "username_skeleton" = "v"."key"
        from (values ${values}) as "v" ("id", "key") where "u"."id" = "v"."id";`);
    }
    this.addSql(`alter table "users" add constraint "users_username_skeleton_unique" unique ("username_skeleton");`);
  }
}
