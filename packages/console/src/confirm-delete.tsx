import { useState } from "preact/hooks";

/**
 * A destructive action behind a second step: the first button asks, "Yes, delete" does it, and
 * "Cancel" leaves everything as it was.
 */
export function ConfirmDelete({
  label,
  question,
  busy,
  onConfirm,
}: {
  label: string;
  question: string;
  busy: boolean;
  onConfirm: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming)
    return (
      <button type="button" class="danger" onClick={() => setConfirming(true)}>
        {label}
      </button>
    );
  return (
    <fieldset class="confirm">
      <legend>{question}</legend>
      <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
        Yes, delete
      </button>
      <button type="button" class="secondary" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </fieldset>
  );
}
