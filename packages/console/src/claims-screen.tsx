import { useEffect, useState } from "preact/hooks";
import { Field, JsonField } from "./field.js";
import { ApiFailure, type ManagementApi } from "./management-api.js";
import { parseJson } from "./parse-json.js";
import { Failure, Loading } from "./states.js";
import { useAction } from "./use-action.js";
import { useApiData } from "./use-api-data.js";

interface Preview {
  claims: Record<string, unknown>;
  over_budget: boolean;
  mapping: "given" | "stored" | "none";
}

/** A user named by id (`usr_…`), email address or external_id, as the preview's subject. */
async function findUserId(api: ManagementApi, who: string): Promise<string> {
  if (who.startsWith("usr_")) return who;
  const query = who.includes("@")
    ? `identifier_type=email_address&identifier_value=${encodeURIComponent(who)}`
    : `external_id=${encodeURIComponent(who)}`;
  const found = await api.get<{ users: { id: string }[] }>(`/users?${query}&limit=1`);
  const id = found.users[0]?.id;
  if (!id) throw new ApiFailure(404, "user_not_found", `No user is ${who}.`);
  return id;
}

/** How long typing pauses before the preview is asked for again. */
const PREVIEW_DELAY_MS = 300;

/**
 * The claims mapping, edited as JSON, with the token a chosen user would get under the mapping as
 * it is being typed (`POST /config/claims/preview`, which stores nothing). Saving writes it.
 */
export function ClaimsScreen({ api }: { api: ManagementApi }) {
  const stored = useApiData(
    () =>
      api
        .get<{ config: { mapping: Record<string, unknown>; version: number } }>("/config/claims")
        .catch((e: unknown) => {
          if (e instanceof ApiFailure && e.status === 404) return null;
          throw e;
        }),
    [api],
  );
  const [text, setText] = useState<string | null>(null);
  const [who, setWho] = useState("");
  const [preview, setPreview] = useState<{ result?: Preview; error?: string; pending?: boolean }>({});
  const action = useAction();

  const current = stored.state === "ready" ? stored.data : null;
  const draft = text ?? JSON.stringify(current?.config.mapping ?? {}, null, 2);

  useEffect(() => {
    if (!who.trim()) {
      setPreview({});
      return;
    }
    let live = true;
    setPreview((p) => ({ ...p, pending: true }));
    const timer = setTimeout(async () => {
      try {
        const mapping = parseJson(draft);
        const userId = await findUserId(api, who.trim());
        const result = await api.post<Preview>("/config/claims/preview", { user_id: userId, mapping });
        if (live) setPreview({ result });
      } catch (e) {
        if (live) setPreview({ error: e instanceof ApiFailure ? e.message : String(e) });
      }
    }, PREVIEW_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, draft, who]);

  if (stored.state === "loading") return <Loading what="the claims mapping" />;
  if (stored.state === "failed") return <Failure error={stored.error} />;

  const save = () => {
    return action
      .run(() => {
        const body = { mapping: parseJson(draft) };
        return current ? api.put("/config/claims", body) : api.post("/config/claims", body);
      }, "Claims mapping saved: sessions pick it up at their next refresh.")
      .then((ok) => {
        if (ok) {
          setText(null);
          stored.reload();
        }
      });
  };

  return (
    <section aria-labelledby="claims-title">
      <h2 id="claims-title">Claims mapping</h2>
      <p class="note">
        {current
          ? `Version ${current.config.version}. `
          : "This app has no mapping yet: tokens carry the registered claims only. "}
        Constants, <code>{'{"$input": …, "$type": …}'}</code> built-in inputs and{" "}
        <code>{'{"$custom_claim": "profile.path"}'}</code> profile fields.
      </p>
      <div class="split">
        <form
          class="wide"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <JsonField
            id="claims-mapping"
            label="Mapping (JSON)"
            error={action.error?.message}
            rows={16}
            value={draft}
            onValue={setText}
          />
          <div class="actions">
            <button type="submit" disabled={action.busy}>
              {current ? "Save mapping" : "Create mapping"}
            </button>
            {current && (
              <button
                type="button"
                class="secondary"
                disabled={action.busy}
                onClick={() =>
                  action
                    .run(() => api.delete("/config/claims"), "Claims mapping deleted.")
                    .then((ok) => {
                      if (ok) {
                        setText(null);
                        stored.reload();
                      }
                    })
                }
              >
                Delete mapping
              </button>
            )}
          </div>
          {action.status}
        </form>
        <div class="preview">
          <form class="wide" onSubmit={(e) => e.preventDefault()}>
            <Field
              id="preview-user"
              label="Preview for user"
              hint="A user ID, email address or external ID; the preview follows every edit."
            >
              {(props) => <input {...props} value={who} onInput={(e) => setWho(e.currentTarget.value)} />}
            </Field>
          </form>
          <h3 id="preview-title">Token preview</h3>
          <section aria-live="polite" aria-labelledby="preview-title">
            {!who.trim() && <p class="empty">Choose a user to see the token they would get.</p>}
            {preview.error && (
              <p class="error" data-testid="preview-error">
                {preview.error}
              </p>
            )}
            {preview.result && (
              <>
                {preview.result.over_budget && (
                  <p class="error">Past the size limit: this user's token would keep the constants only.</p>
                )}
                <pre class="json" data-testid="token-preview" aria-busy={preview.pending ? "true" : "false"}>
                  {JSON.stringify(preview.result.claims, null, 2)}
                </pre>
              </>
            )}
          </section>
        </div>
      </div>
    </section>
  );
}
