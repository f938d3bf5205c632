import type { OrderEvent } from '@/api/types';
import { formatDateTime } from '@/lib/format';
import { statusLabel } from './status';

function describe(event: OrderEvent): string {
  if (event.description) return event.description;
  if (event.event_type === 'status_changed') {
    return `Status changed from ${statusLabel(String(event.old_value))} to ${statusLabel(String(event.new_value))}`;
  }
  return statusLabel(event.event_type.replace(/_/g, ' '));
}

const dots: Record<string, string> = {
  created: 'bg-emerald-500',
  status_changed: 'bg-indigo-500',
  updated: 'bg-sky-500',
  deleted: 'bg-rose-500',
};

export function Timeline({ events }: { events: OrderEvent[] }) {
  return (
    <ol aria-label="Order timeline" className="relative ml-2 border-l-2 border-slate-200 dark:border-slate-700">
      {events.map((event) => (
        <li key={event.id} className="relative mb-5 pl-6 last:mb-0">
          <span
            aria-hidden="true"
            className={`absolute top-1 -left-[7px] size-3 rounded-full ring-4 ring-white dark:ring-slate-900 ${dots[event.event_type] ?? 'bg-slate-400'}`}
          />
          <p className="text-sm font-medium">{describe(event)}</p>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            <time dateTime={event.created_at}>{formatDateTime(event.created_at)}</time>
            {event.user_id !== null && ` · user ${event.user_id}`}
          </p>
        </li>
      ))}
    </ol>
  );
}
