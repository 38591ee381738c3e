import { Migration } from '@mikro-orm/migrations';

/**
 * The revocation feed for other services (SPEC §14): each revocation gets a
 * sequence, the event id a subscriber resumes after (`Last-Event-ID`), the
 * same on every instance; and the NOTIFY that tells other instances of a
 * revocation carries it, so each can pass the event on without a query.
 */
export class Migration20261206000100_revocation_feed extends Migration {
  override name = 'Migration20261206000100_revocation_feed';

  override up(): void {
    this.addSql(`alter table "session_revocations" add "sequence" bigserial;`);
    this.addSql(`alter table "session_revocations" add constraint "session_revocations_sequence_unique" unique ("sequence");`);
    this.addSql(`create or replace function "session_revocations_notify_sync_fn"() returns trigger as $$ begin perform pg_notify('keyway_sync', 'revoked ' || new.session_id || ' ' || (extract(epoch from new.revoked_at) * 1000)::bigint || ' ' || new.sequence); return null; end; $$ language plpgsql;`);
  }
}
