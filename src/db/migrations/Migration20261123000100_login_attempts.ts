import { Migration } from '@mikro-orm/migrations';

/** Login attempts, for throttling shared by every door and instance. */
export class Migration20261123000100_login_attempts extends Migration {
  override name = 'Migration20261123000100_login_attempts';

  override up(): void {
    this.addSql(`create table "login_attempts" (
      "id" uuid not null primary key,
      "username_key" varchar(1024) not null,
      "ip_address" varchar(64) not null,
      "attempted_at" timestamptz not null);`);
    this.addSql(`create index "login_attempts_key_address_index"
      on "login_attempts" ("username_key", "ip_address", "attempted_at");`);
    this.addSql(`create index "login_attempts_attempted_at_index" on "login_attempts" ("attempted_at");`);
  }
}
