import { Migration } from '@mikro-orm/migrations';

/**
 * Instances on one PostgreSQL learn of each other's revocations and key
 * changes by NOTIFY on `keyway_sync`, sent at commit by these triggers
 * whichever statement made the change, and poll as a fallback. A revocation
 * travels whole (its session id and time), so a listener needs no query.
 * Written as MikroORM writes the entities' `triggers` (`<table>_<name>_fn`).
 */
export class Migration20261205000100_notify extends Migration {
  override name = 'Migration20261205000100_notify';

  override up(): void {
    this.addSql(`create or replace function "session_revocations_notify_sync_fn"() returns trigger as $$ begin perform pg_notify('keyway_sync', 'revoked ' || new.session_id || ' ' || (extract(epoch from new.revoked_at) * 1000)::bigint); return null; end; $$ language plpgsql;`);
    this.addSql(`create trigger "notify_sync" AFTER INSERT on "session_revocations" for each ROW execute function "session_revocations_notify_sync_fn"();`);
    this.addSql(`create or replace function "signing_keys_notify_sync_fn"() returns trigger as $$ begin perform pg_notify('keyway_sync', 'keys'); return null; end; $$ language plpgsql;`);
    this.addSql(`create trigger "notify_sync" AFTER INSERT OR UPDATE on "signing_keys" for each STATEMENT execute function "signing_keys_notify_sync_fn"();`);
  }
}
