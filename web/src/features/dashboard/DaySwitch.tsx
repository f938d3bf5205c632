import { cn } from '@/lib/cn';
import { DAY_CHOICES } from './useDays';

/** 7 / 30 / 90 days: the period every time chart of the dashboard shows. */
export function DaySwitch({ days, onChange }: { days: number; onChange: (days: number) => void }) {
  return (
    <div role="group" aria-label="Period" className="inline-flex rounded-md border border-slate-300 dark:border-slate-600">
      {DAY_CHOICES.map((choice) => (
        <button
          key={choice}
          type="button"
          aria-pressed={days === choice}
          onClick={() => onChange(choice)}
          className={cn(
            'px-3 py-1.5 text-sm font-medium first:rounded-l-md last:rounded-r-md focus-visible:outline-2 focus-visible:outline-indigo-500',
            days === choice
              ? 'bg-indigo-600 text-white'
              : 'bg-white text-slate-700 hover:bg-slate-50 dark:bg-slate-800 dark:text-slate-200 dark:hover:bg-slate-700',
          )}
        >
          {choice} days
        </button>
      ))}
    </div>
  );
}
