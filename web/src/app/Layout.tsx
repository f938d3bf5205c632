import type { ReactNode } from 'react';
import { NavLink } from 'react-router';
import { cn } from '@/lib/cn';
import { endSession } from '@/lib/session';
import { useSession } from '@/lib/useSession';

const links = [
  { to: '/app', label: 'Dashboard', end: true, admin: false },
  { to: '/app/orders', label: 'Orders', end: false, admin: false },
  { to: '/app/inventory', label: 'Inventory', end: false, admin: false },
  { to: '/app/users', label: 'Users', end: false, admin: true },
  { to: '/app/settings', label: 'Settings', end: false, admin: false },
];

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  const isAdmin = session?.role === 'admin';
  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only z-50 rounded bg-indigo-600 px-3 py-2 text-white focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <span className="text-lg font-semibold text-indigo-600 dark:text-indigo-400">Spin Shop</span>
          {/* On a phone the links take a line of their own and wrap rather than scroll out of sight. */}
          <nav aria-label="Main" className="order-3 -mx-1 w-full sm:order-none sm:w-auto">
            <ul className="flex flex-wrap gap-1">
              {links
                .filter((link) => !link.admin || isAdmin)
                .map((link) => (
                  <li key={link.to}>
                    <NavLink
                      to={link.to}
                      end={link.end}
                      className={({ isActive }) =>
                        cn(
                          'block rounded-md px-3 py-1.5 text-sm font-medium whitespace-nowrap focus-visible:outline-2 focus-visible:outline-indigo-500',
                          isActive
                            ? 'bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300'
                            : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800',
                        )
                      }
                    >
                      {link.label}
                    </NavLink>
                  </li>
                ))}
            </ul>
          </nav>
          <div className="ml-auto flex items-center gap-3 text-sm">
            <span className="hidden truncate text-slate-600 md:inline dark:text-slate-400" title={session?.email}>
              {session?.email}
              {isAdmin && ' (admin)'}
            </span>
            <button
              type="button"
              onClick={() => endSession()}
              className="rounded-md px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800"
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6 focus:outline-none">
        {children}
      </main>
    </div>
  );
}
