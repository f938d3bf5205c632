import type { ReactNode } from 'react';
import { cn } from '@/lib/cn';

export function Card({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  return (
    <section
      aria-label={title}
      className={cn(
        // min-w-0: a grid cell may shrink below its content's width, so a chart drawn at
        // one width follows the cell down when the screen narrows instead of overflowing it.
        'min-w-0 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900',
        className,
      )}
    >
      <h2 className="mb-3 text-sm font-semibold text-slate-600 dark:text-slate-300">{title}</h2>
      {children}
    </section>
  );
}
