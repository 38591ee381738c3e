import { useEffect, useState, useSyncExternalStore } from 'react';
import { currentSession, onSessionChange, signOut } from './api.js';
import { Account } from './pages/Account.js';
import { Audit } from './pages/Audit.js';
import { Clients } from './pages/Clients.js';
import { Keys } from './pages/Keys.js';
import { Roles } from './pages/Roles.js';
import { SignIn } from './pages/SignIn.js';
import { Users } from './pages/Users.js';

const ADMIN_PAGES = { users: 'Users', roles: 'Roles', audit: 'Audit trail', clients: 'Clients', keys: 'Keys', account: 'Account' } as const;
type Page = keyof typeof ADMIN_PAGES;

function pageOf(hash: string, admin: boolean): Page {
  const name = hash.replace(/^#\/?/, '') as Page;
  if (!admin) return 'account';
  return name in ADMIN_PAGES ? name : 'users';
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

export function App() {
  const session = useSyncExternalStore(onSessionChange, currentSession);
  const hash = useHash();
  if (!session) return <SignIn />;
  const admin = session.user.role.name === 'admin';
  const page = pageOf(hash, admin);
  const pages = admin ? (Object.keys(ADMIN_PAGES) as Page[]) : (['account'] as Page[]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to the page
      </a>
      <header>
        <span className="brand">Keyway</span>
        <nav aria-label="Console">
          <ul>
            {pages.map((name) => (
              <li key={name}>
                <a href={`#/${name}`} aria-current={name === page ? 'page' : undefined}>
                  {ADMIN_PAGES[name]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {session.user.username} <small>({session.user.role.name})</small>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{ADMIN_PAGES[page]}</h1>
        {page === 'users' && <Users />}
        {page === 'roles' && <Roles />}
        {page === 'audit' && <Audit />}
        {page === 'clients' && <Clients />}
        {page === 'keys' && <Keys />}
        {page === 'account' && <Account />}
      </main>
    </>
  );
}
