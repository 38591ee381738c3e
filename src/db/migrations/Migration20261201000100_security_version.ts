import { Migration } from '@mikro-orm/migrations';

/**
 * A counter on each user, raised by every change that revokes their sessions
 * (disabling, a new role or password, a permission their role lost). A login
 * stores its session only while the counter is still the one it read, so a
 * login racing such a change cannot leave a session the change did not revoke.
 */
export class Migration20261201000100_security_version extends Migration {
  override name = 'Migration20261201000100_security_version';

  override up(): void {
    this.addSql(`alter table "users" add column "security_version" int not null default 0;`);
  }
}
