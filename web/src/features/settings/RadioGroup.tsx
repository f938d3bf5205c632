import type { ReactNode } from 'react';

interface RadioGroupProps<T extends string> {
  legend: string;
  name: string;
  value: T;
  onChange: (value: T) => void;
  options: { value: T; label: string; extra?: ReactNode }[];
}

export function RadioGroup<T extends string>({ legend, name, value, onChange, options }: RadioGroupProps<T>) {
  return (
    <fieldset>
      <legend className="text-sm font-medium">{legend}</legend>
      <div className="mt-2 space-y-2">
        {options.map((option) => (
          <label key={option.value} className="flex items-center gap-2 text-sm">
            <input
              type="radio"
              name={name}
              value={option.value}
              checked={value === option.value}
              onChange={() => onChange(option.value)}
              className="size-4 accent-indigo-600"
            />
            {option.label}
            {option.extra}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
