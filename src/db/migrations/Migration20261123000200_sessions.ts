import { Migration } from '@mikro-orm/migrations';

/**
 * Revocable sessions: refresh-token rotation state, a revocation feed every
 * instance reads (it outlives the sessions of a deleted user), key activation
 * times for rotation, and the server's own secrets.
 */
export class Migration20261123000200_sessions extends Migration {
  override name = 'Migration20261123000200_sessions';

  override up(): void {
    this.addSql(`alter table "sessions"
      add column "generation" int not null default 0,
      add column "previous_refresh_token_hash" varchar(64) null,
      add column "rotated_at" timestamptz null,
      add column "revoked_reason" varchar(32) null;`);

    this.addSql(`create table "session_revocations" (
      "session_id" uuid not null primary key,
      "user_id" int not null,
      "reason" varchar(32) not null,
      "revoked_at" timestamptz not null default now());`);
    this.addSql(`create index "session_revocations_revoked_at_index" on "session_revocations" ("revoked_at");`);

    this.addSql(`alter table "signing_keys" add column "activates_at" timestamptz null;`);
    this.addSql(`update "signing_keys" set "activates_at" = "created_at";`);
    this.addSql(`alter table "signing_keys" alter column "activates_at" set not null;`);

    this.addSql(`create table "server_secrets" (
      "name" varchar(64) not null primary key,
      "value" text not null,
      "created_at" timestamptz not null);`);
  }
}
