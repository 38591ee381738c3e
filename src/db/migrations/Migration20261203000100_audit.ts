import { Migration } from '@mikro-orm/migrations';

/** The audit trail: security events, newest first by time, by user. */
export class Migration20261203000100_audit extends Migration {
  override name = 'Migration20261203000100_audit';

  override up(): void {
    this.addSql(`create table "audit_events" (
      "id" bigserial primary key,
      "at" timestamptz not null,
      "type" varchar(32) not null,
      "actor" varchar(254) null,
      "user_id" int null,
      "username" varchar(254) null,
      "ip_address" varchar(64) null,
      "user_agent" varchar(512) null,
      "door" varchar(8) not null,
      "details" jsonb not null);`);
    this.addSql(`create index "audit_events_at_id_index" on "audit_events" ("at", "id");`);
    this.addSql(`create index "audit_events_user_id_at_index" on "audit_events" ("user_id", "at");`);
  }
}
