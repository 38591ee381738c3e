/** What the command line offers; kept apart from the commands so `--help` loads nothing heavy. */
export const USAGE = `Usage: npm run cli -- <command>

  init                               create the database if there is none (tables, default roles, the admin)
  users list [--search <text>]       every user (or those whose name contains the text), their role and state
  users create <name> --role <role>  a new user; the password is read from standard input
  users set-role <name> <role>       change a user's role (revokes their sessions)
  users disable <name>               refuse a user's logins (revokes their sessions)
  users enable <name>                let a disabled user log in again
  users delete <name>                delete a user (revokes their sessions)
  users reset-mfa <name>             turn a user's second factor off, to enrol again (revokes their sessions)
  users set-password <name>          set a user's password from standard input (revokes their sessions)
  roles list                         every role and its permissions
  roles set <name> <PERMS,…>         create or update a role, e.g. roles set auditor GET
                                     (taking a permission away revokes its users' sessions)
  roles delete <name>                delete a role no user holds
  keys list                          the signing keys and their state
  keys rotate                        a new signing key (the current one keeps verifying its tokens)
  sessions list <username>           a user's live sessions: when, from where, last used
  sessions revoke <username>         revoke every session of a user
  sessions revoke-one <session id>   revoke one session (its id from sessions list)
  clients list                       the machine clients, their role and state
  clients create <name> --role <role>  a new machine client; prints its client id and secret, once
  clients rotate-secret <client id>  a new secret, printed once (the old one and its tokens stop working)
  clients disable <client id>        refuse a client new tokens and revoke its tokens; and: clients enable
  clients delete <client id>         delete a client (its tokens are revoked)
  audit list [--user <name>] [--type <TYPE,…>] [--limit N]
                                     security events, newest first (50 unless --limit)

Works on the database of DATA_DIR or DATABASE_URL, also while a server runs on it; only init creates one.
Passwords are read from standard input, never from arguments.`;

/** The commands that read a password from standard input. */
const PASSWORD_COMMANDS = new Set(['users create', 'users set-password']);

export function needsPassword(words: string[]): boolean {
  return PASSWORD_COMMANDS.has(words.slice(0, 2).join(' '));
}
