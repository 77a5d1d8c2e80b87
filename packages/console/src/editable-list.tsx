import { useState } from "preact/hooks";

/**
 * A list of values, each with a Remove button, and a form that adds one: the user screen's
 * identifiers, scopes and groups. `suggestions` fill a datalist, so the input stays free text and
 * the API says what it refuses.
 */
export function EditableList(props: {
  id: string;
  label: string;
  items: { key: string; text: string }[];
  busy: boolean;
  empty: string;
  suggestions?: string[];
  onAdd: (value: string) => Promise<boolean>;
  onRemove: (key: string) => void;
}) {
  const [value, setValue] = useState("");
  const listId = `${props.id}-suggestions`;
  return (
    <div class="editable-list">
      {props.items.length === 0 ? (
        <p class="empty">{props.empty}</p>
      ) : (
        <ul>
          {props.items.map((item) => (
            <li key={item.key}>
              <span>{item.text}</span>
              <button
                type="button"
                class="secondary small"
                disabled={props.busy}
                aria-label={`Remove ${item.text}`}
                onClick={() => props.onRemove(item.key)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          props.onAdd(value.trim()).then((added) => added && setValue(""));
        }}
      >
        <label for={props.id}>{props.label}</label>
        <input
          id={props.id}
          required
          value={value}
          list={props.suggestions ? listId : undefined}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        {props.suggestions && (
          <datalist id={listId}>
            {props.suggestions.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        )}
        <button type="submit" disabled={props.busy}>
          Add
        </button>
      </form>
    </div>
  );
}
