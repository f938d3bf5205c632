import { Link } from 'react-router';

/** An order's id, linking to its detail page (ids are client-chosen: encoded). */
export function OrderLink({ id }: { id: string }) {
  return (
    <Link
      to={`/app/orders/${encodeURIComponent(id)}`}
      className="font-mono text-indigo-600 underline dark:text-indigo-400"
    >
      {id}
    </Link>
  );
}
