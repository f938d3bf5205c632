import { Link } from 'react-router';

export function NotFound() {
  return (
    <main className="mx-auto max-w-md px-4 py-16 text-center">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">There is nothing at this address.</p>
      <Link to="/app" className="mt-6 inline-block font-medium text-indigo-600 underline dark:text-indigo-400">
        Go to the dashboard
      </Link>
    </main>
  );
}
