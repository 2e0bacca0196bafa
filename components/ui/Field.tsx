import type { ComponentProps, ReactNode } from "react";

/** A labelled form control: the `.label` above whatever control `htmlFor` names. */
export function Field({ htmlFor, label, className, children }: { htmlFor: string; label: ReactNode; className?: string; children: ReactNode }) {
  return (
    <div className={className}>
      <label htmlFor={htmlFor} className="label">
        {label}
      </label>
      {children}
    </div>
  );
}

type LibrarySelectProps = Omit<ComponentProps<"select">, "children"> & {
  libraries: readonly { id: string; name: string }[];
  /** A first, empty-valued option (e.g. "All libraries") for filters; none when a library must be chosen. */
  allLabel?: string;
};

/** A `<select>` of libraries by name (value: the library id); every other prop goes to the select. */
export function LibrarySelect({ libraries, allLabel, ...props }: LibrarySelectProps) {
  return (
    <select {...props}>
      {allLabel === undefined ? null : <option value="">{allLabel}</option>}
      {libraries.map((l) => (
        <option key={l.id} value={l.id}>
          {l.name}
        </option>
      ))}
    </select>
  );
}
