import type { ComponentChildren } from 'preact';

export interface SelectFilterProps {
  id: string;
  label: ComponentChildren;
  value: string;
  onChange(value: string): void;
  /** value → text, in order; the first is usually "any". */
  options: Array<[value: string, text: ComponentChildren]>;
}

/** A labelled drop-down of a list's filter bar. */
export function SelectFilter({ id, label, value, onChange, options }: SelectFilterProps) {
  return (
    <label>
      {label}
      <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
