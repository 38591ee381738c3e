import { Migration } from '@mikro-orm/migrations';

/** Users, roles, sessions, signing keys and products. */
export class Migration20261123000000_initial extends Migration {
  override name = 'Migration20261123000000_initial';

  override up(): void {
    this.addSql(`create table "roles" (
      "name" varchar(64) not null primary key,
      "permissions" text[] not null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null);`);

    this.addSql(`create table "users" (
      "id" serial primary key,
      "username" varchar(254) not null,
      "username_key" varchar(1024) not null,
      "password_hash" text not null,
      "role_name" varchar(64) not null,
      "disabled" boolean not null default false,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null);`);
    this.addSql(`alter table "users" add constraint "users_username_key_unique" unique ("username_key");`);
    this.addSql(`alter table "users" add constraint "users_role_name_foreign"
      foreign key ("role_name") references "roles" ("name");`);

    this.addSql(`create table "sessions" (
      "id" uuid not null primary key,
      "user_id" int not null,
      "refresh_token_hash" varchar(64) not null,
      "created_at" timestamptz not null,
      "expires_at" timestamptz not null,
      "revoked_at" timestamptz null,
      "user_agent" varchar(512) null,
      "ip_address" varchar(64) null);`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);
    this.addSql(`alter table "sessions" add constraint "sessions_refresh_token_hash_unique" unique ("refresh_token_hash");`);
    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign"
      foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`create table "signing_keys" (
      "kid" varchar(64) not null primary key,
      "algorithm" varchar(16) not null,
      "public_key" text not null,
      "private_key" text not null,
      "created_at" timestamptz not null,
      "retired_at" timestamptz null);`);

    this.addSql(`create table "products" (
      "id" serial primary key,
      "sku" varchar(64) not null,
      "name" varchar(200) not null,
      "description" text not null default '',
      "price" numeric(12,2) not null,
      "stock" int not null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null);`);
    this.addSql(`alter table "products" add constraint "products_sku_unique" unique ("sku");`);
    this.addSql(`alter table "products" add constraint "products_stock_check" check (stock >= 0);`);
  }
}
