import type { ComponentChildren } from "preact";

/** What an input needs to be tied to its label and to the error shown under it. */
export interface FieldProps {
  id: string;
  "aria-invalid"?: "true";
  "aria-describedby"?: string;
}

/**
 * A labelled input with the error the API gave for it, if any, underneath: the input is marked
 * invalid and described by the error, so a screen reader reads the message with the field.
 */
export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string | null;
  hint?: string;
  children: (props: FieldProps) => ComponentChildren;
}) {
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      {children({
        id,
        ...(error && { "aria-invalid": "true" as const }),
        ...(described && { "aria-describedby": described }),
      })}
      {hint && (
        <p class="note" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A labelled text input whose value is a string in the caller's state. */
export function TextField({
  onValue,
  value,
  inputMode,
  ...field
}: {
  id: string;
  label: string;
  error?: string | null;
  hint?: string;
  value: string;
  inputMode?: "numeric";
  onValue: (value: string) => void;
}) {
  return (
    <Field {...field}>
      {(props) => (
        <input
          {...props}
          value={value}
          inputMode={inputMode}
          onInput={(e) => onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** A labelled select among `options` (value, text). */
export function SelectField<V extends string>({
  onValue,
  value,
  options,
  ...field
}: {
  id: string;
  label: string;
  error?: string | null;
  value: V;
  options: readonly (readonly [V, string])[];
  onValue: (value: V) => void;
}) {
  return (
    <Field {...field}>
      {(props) => (
        <select {...props} value={value} onChange={(e) => onValue(e.currentTarget.value as V)}>
          {options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A labelled JSON editor: monospace, no spellcheck, sized to its content (4 to `rows` lines). */
export function JsonField({
  onValue,
  value,
  rows,
  ...field
}: {
  id: string;
  label: string;
  error?: string | null;
  value: string;
  rows: number;
  onValue: (value: string) => void;
}) {
  return (
    <Field {...field}>
      {(props) => (
        <textarea
          {...props}
          rows={Math.max(4, Math.min(rows, value.split("\n").length + 1))}
          spellcheck={false}
          value={value}
          onInput={(e) => onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}
