import { Migration } from '@mikro-orm/migrations';

/**
 * Two-factor authentication: each user's TOTP secret (encrypted) and the last
 * step accepted, their recovery codes (hashed), the challenges of logins
 * waiting for a code, and how each session was authenticated (`amr`).
 */
export class Migration20261202000100_totp extends Migration {
  override name = 'Migration20261202000100_totp';

  override up(): void {
    this.addSql(`alter table "users"
      add column "totp_secret" text null,
      add column "totp_pending_secret" text null,
      add column "totp_last_step" int null;`);

    this.addSql(`alter table "sessions" add column "amr" varchar(32) not null default 'pwd';`);

    this.addSql(`create table "recovery_codes" (
      "id" serial primary key,
      "user_id" int not null,
      "code_hash" varchar(64) not null,
      "used_at" timestamptz null,
      "created_at" timestamptz not null);`);
    this.addSql(`alter table "recovery_codes" add constraint "recovery_codes_user_id_code_hash_unique" unique ("user_id", "code_hash");`);
    this.addSql(`alter table "recovery_codes" add constraint "recovery_codes_user_id_foreign"
      foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`create table "mfa_challenges" (
      "token_hash" varchar(64) not null primary key,
      "user_id" int not null,
      "security_version" int not null,
      "expires_at" timestamptz not null);`);
    this.addSql(`create index "mfa_challenges_user_id_index" on "mfa_challenges" ("user_id");`);
    this.addSql(`create index "mfa_challenges_expires_at_index" on "mfa_challenges" ("expires_at");`);
    this.addSql(`alter table "mfa_challenges" add constraint "mfa_challenges_user_id_foreign"
      foreign key ("user_id") references "users" ("id") on delete cascade;`);
  }
}
