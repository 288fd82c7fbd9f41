import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

/** A control's hint and error under it, with the ids its aria-describedby names (`<id>-hint`, `<id>-error`). */
export function FieldNotes({ id, hint, error }: { id: string; hint?: ReactNode; error?: ReactNode }) {
  return (
    <>
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-sm font-medium text-red-700">
          {error}
        </p>
      ) : null}
    </>
  );
}

/** The attributes a control needs to be labelled and described by its Field. */
export interface ControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

/** A label, a control (render prop, so any input fits), a hint and an error wired through aria-describedby. */
export function Field({
  id: givenId,
  label,
  hint,
  error,
  className = '',
  children,
}: {
  /** The control's id when something else needs it (focus after adding a step); generated otherwise. */
  id?: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const generated = useId();
  const id = givenId ?? generated;
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}

/** A labelled input with an optional hint and an error wired up through aria-describedby. */
export function FormField({
  label,
  hint,
  error,
  className = '',
  ...input
}: { label: string; hint?: string; error?: string | null } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    // The input's own id (when given) is the one its label and notes point at.
    <Field id={input.id} label={label} hint={hint} error={error ?? undefined} className={className}>
      {(control) => <input className="field-input" {...input} {...control} />}
    </Field>
  );
}
