import { Migration } from '@mikro-orm/migrations';

/**
 * Machine clients (SPEC §13). Their tokens are revoked through the same feed
 * as sessions, under a credential id that belongs to no user.
 */
export class Migration20261204000100_clients extends Migration {
  override name = 'Migration20261204000100_clients';

  override up(): void {
    this.addSql(`create table "clients" (
      "id" serial primary key,
      "client_id" varchar(64) not null,
      "name" varchar(128) not null,
      "role_name" varchar(64) not null,
      "secret_hash" varchar(64) not null,
      "credential_id" uuid not null,
      "disabled" boolean not null default false,
      "created_at" timestamptz not null,
      "last_used_at" timestamptz null);`);
    this.addSql(`alter table "clients" add constraint "clients_client_id_unique" unique ("client_id");`);
    this.addSql(`alter table "clients" add constraint "clients_credential_id_unique" unique ("credential_id");`);
    this.addSql(`alter table "clients" add constraint "clients_role_name_foreign"
      foreign key ("role_name") references "roles" ("name");`);
    this.addSql(`alter table "session_revocations" alter column "user_id" drop not null;`);
  }
}
