import { WEBHOOK_EVENTS } from "@overture/protocol/webhook-events";
import type { Webhook } from "@overture/sdk/management";
import { useState } from "preact/hooks";
import { DataTable } from "./data-table.js";
import { Field } from "./field.js";
import type { ManagementApi } from "./management-api.js";
import { Failure, Loading } from "./states.js";
import { useAction } from "./use-action.js";
import { useApiData } from "./use-api-data.js";

/** Webhooks: the app's endpoints with their state, and a form that registers one. */
export function WebhooksScreen({ api }: { api: ManagementApi }) {
  const hooks = useApiData(() => api.get<{ webhooks: Webhook[] }>("/webhooks"), [api]);
  const action = useAction();
  const [url, setUrl] = useState("");
  const [token, setToken] = useState("");
  const [events, setEvents] = useState<Set<string>>(new Set(["user.created"]));
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      {hooks.state === "loading" && <Loading what="webhooks" />}
      {hooks.state === "failed" && <Failure error={hooks.error} />}
      {hooks.state === "ready" &&
        (hooks.data.webhooks.length === 0 ? (
          <p class="empty">No webhook: events are recorded but sent nowhere.</p>
        ) : (
          <DataTable caption="Webhooks" columns={["Endpoint", "State", "Events", "Last answer"]}>
            {hooks.data.webhooks.map((w) => (
              <tr key={w.id}>
                <td>
                  <a href={`#/webhooks/${w.id}`}>{w.url}</a>
                </td>
                <td>
                  <span class="badge">{w.active ? "active" : "inactive"}</span>
                </td>
                <td>{w.events.join(", ")}</td>
                <td>{w.last_http_code ?? "—"}</td>
              </tr>
            ))}
          </DataTable>
        ))}

      <h3>Register a webhook</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          let created: string | null = null;
          action
            .run(async () => {
              const res = await api.post<{ webhook: Webhook }>("/webhooks", {
                url: url.trim(),
                verification_token: token,
                events: [...events],
              });
              created = res.webhook.id;
            }, "Webhook registered: activate it to start deliveries.")
            .then((ok) => {
              if (ok && created) location.hash = `#/webhooks/${created}`;
            });
        }}
      >
        <Field id="webhook-url" label="Endpoint URL" hint="https; http to a loopback host in dev mode only.">
          {(props) => (
            <input
              {...props}
              type="url"
              required
              value={url}
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          id="webhook-token"
          label="Verification token"
          hint="Your endpoint checks it in the activation handshake; it is never shown again."
        >
          {(props) => (
            <input
              {...props}
              type="password"
              autocomplete="off"
              required
              value={token}
              onInput={(e) => setToken(e.currentTarget.value)}
            />
          )}
        </Field>
        <fieldset class="choices">
          <legend>Events</legend>
          {WEBHOOK_EVENTS.map((event) => (
            <label key={event}>
              <input
                type="checkbox"
                checked={events.has(event)}
                onChange={(e) => {
                  const next = new Set(events);
                  if (e.currentTarget.checked) next.add(event);
                  else next.delete(event);
                  setEvents(next);
                }}
              />{" "}
              {event}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={action.busy}>
          Register webhook
        </button>
        {action.status}
      </form>
    </section>
  );
}
