import { useState } from "preact/hooks";
import { JsonField } from "./field.js";
import { ApiFailure, type ManagementApi } from "./management-api.js";
import { parseJson } from "./parse-json.js";
import { Failure, Loading } from "./states.js";
import { useAction } from "./use-action.js";
import { useApiData } from "./use-api-data.js";

/** A 404 is "not configured", which the screen shows as such; anything else is a failure. */
export const orNull = (e: unknown) => {
  if (e instanceof ApiFailure && e.status === 404) return null;
  throw e;
};

/**
 * One config document of the Management API, edited as its request JSON: what is stored (or that
 * nothing is), an editor holding the request that would write it back, save and delete. The
 * server checks everything and its message is shown under the editor.
 */
export function ConfigDocument<View>({
  api,
  id,
  title,
  description,
  path,
  load,
  toRequest,
  template,
  createWith,
  deletable = true,
  onChange,
}: {
  api: ManagementApi;
  id: string;
  title: string;
  description: string;
  /** Where PUT and DELETE go, and POST when `createWith` is "post". */
  path: string;
  load: () => Promise<View | null>;
  toRequest: (view: View) => unknown;
  template: unknown;
  createWith: "post" | "put";
  deletable?: boolean;
  onChange?: () => void;
}) {
  const stored = useApiData(load, [api, path]);
  const [text, setText] = useState<string | null>(null);
  const action = useAction();
  const headingId = `${id}-title`;
  if (stored.state === "loading") return <Loading what={title} />;
  if (stored.state === "failed") return <Failure error={stored.error} />;
  const view = stored.data;
  const draft = text ?? JSON.stringify(view === null ? template : toRequest(view), null, 2);
  const done = (ok: boolean) => {
    if (!ok) return;
    setText(null);
    stored.reload();
    onChange?.();
  };
  const save = () => {
    const write = view === null && createWith === "post" ? api.post : api.put;
    return action.run(() => write(path, parseJson(draft)), `${title} saved.`).then(done);
  };
  return (
    <section class="config-document" aria-labelledby={headingId}>
      <h3 id={headingId}>{title[0]?.toUpperCase() + title.slice(1)}</h3>
      <p class="note">
        {description} {view === null && <strong>Not configured.</strong>}
      </p>
      {view !== null && (
        <details>
          <summary>Stored</summary>
          <pre class="json">{JSON.stringify(view, null, 2)}</pre>
        </details>
      )}
      <form
        class="wide"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <JsonField
          id={`${id}-body`}
          label={`${title} (request JSON)`}
          error={action.error?.message}
          rows={18}
          value={draft}
          onValue={setText}
        />
        <div class="actions">
          <button type="submit" disabled={action.busy}>
            {view === null ? `Create ${title}` : `Save ${title}`}
          </button>
          {view !== null && deletable && (
            <button
              type="button"
              class="secondary"
              disabled={action.busy}
              onClick={() => action.run(() => api.delete(path), `${title} deleted.`).then(done)}
            >
              Delete {title}
            </button>
          )}
        </div>
        {action.status}
      </form>
    </section>
  );
}
