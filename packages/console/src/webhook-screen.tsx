import type { Webhook, WebhookDelivery } from "@overture/sdk/management";
import { useState } from "preact/hooks";
import { ConfirmDelete } from "./confirm-delete.js";
import { DataTable } from "./data-table.js";
import { Field } from "./field.js";
import type { ManagementApi } from "./management-api.js";
import { Failure, Loading } from "./states.js";
import { useAction } from "./use-action.js";
import { useApiData } from "./use-api-data.js";

/**
 * One webhook: activation (the handshake's outcome as the API words it), deactivation, the
 * delivery log with each delivery's attempts, replay of one delivery or of all since a time, and
 * deletion behind a confirmation.
 */
export function WebhookScreen({ api, webhookId }: { api: ManagementApi; webhookId: string }) {
  const path = `/webhooks/${encodeURIComponent(webhookId)}`;
  const hook = useApiData(async () => (await api.get<{ webhook: Webhook }>(path)).webhook, [api, path]);
  const [status, setStatus] = useState("");
  const [cursor, setCursor] = useState<string | null>(null);
  const [pages, setPages] = useState<(string | null)[]>([]);
  const query = `?limit=20${status ? `&status=${status}` : ""}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
  const log = useApiData(
    () =>
      api.get<{ deliveries: WebhookDelivery[]; next_cursor: string | null }>(`${path}/deliveries${query}`),
    [api, path, query],
  );
  const action = useAction();
  const [since, setSince] = useState("");

  if (hook.state === "loading") return <Loading what="the webhook" />;
  if (hook.state === "failed") return <Failure error={hook.error} />;
  const w = hook.data;
  const refresh = () => {
    hook.reload();
    if (log.state === "ready") log.reload();
  };

  return (
    <section aria-labelledby="webhook-title">
      <p>
        <a href="#/webhooks">← Webhooks</a>
      </p>
      <h2 id="webhook-title">{w.url}</h2>
      <dl class="facts">
        <dt>ID</dt>
        <dd>
          <code>{w.id}</code>
        </dd>
        <dt>State</dt>
        <dd data-testid="webhook-state">{w.active ? "active" : "inactive"}</dd>
        <dt>Events</dt>
        <dd>{w.events.join(", ")}</dd>
        <dt>Last answer</dt>
        <dd>{w.last_http_code === null ? "—" : `${w.last_http_code} at ${w.last_http_code_date}`}</dd>
      </dl>
      <div class="actions">
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            action
              .run(
                () => api.post(`${path}/activate`, {}),
                "Activated: the endpoint answered the challenge.",
                "Running the handshake with the endpoint (it has 10 s to answer)…",
              )
              .then(refresh)
          }
        >
          {w.active ? "Run the handshake again" : "Activate"}
        </button>
        {w.active && (
          <button
            type="button"
            class="secondary"
            disabled={action.busy}
            onClick={() => action.run(() => api.post(`${path}/deactivate`, {}), "Deactivated.").then(refresh)}
          >
            Deactivate
          </button>
        )}
      </div>
      {action.status}

      <h3>Deliveries</h3>
      <form class="search" onSubmit={(e) => e.preventDefault()}>
        <label for="delivery-status">Show</label>
        <select
          id="delivery-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            setCursor(null);
            setPages([]);
          }}
        >
          <option value="">all</option>
          <option value="pending">pending</option>
          <option value="delivered">delivered</option>
          <option value="failed">failed</option>
        </select>
        <button type="button" class="secondary" onClick={refresh}>
          Refresh
        </button>
      </form>
      {log.state === "loading" && <Loading what="deliveries" />}
      {log.state === "failed" && <Failure error={log.error} />}
      {log.state === "ready" &&
        (log.data.deliveries.length === 0 ? (
          <p class="empty">No delivery{status ? ` ${status}` : ""} yet.</p>
        ) : (
          <DataTable
            caption="Deliveries, newest first"
            columns={["Event", "Status", "Attempts", "Last attempt", null]}
          >
            {log.data.deliveries.map((d) => (
              <tr key={d.event_id} data-testid="delivery">
                <td>
                  {d.event_type}
                  <div class="note">
                    <code>{d.event_id}</code>
                  </div>
                </td>
                <td>
                  <span class="badge">{d.status}</span>
                  {d.next_attempt_at && <div class="note">next at {d.next_attempt_at}</div>}
                </td>
                <td>{d.attempts}</td>
                <td>
                  {d.last_status ?? (d.last_error ? "no answer" : "—")}
                  {d.last_latency_ms !== null && ` in ${d.last_latency_ms} ms`}
                  {d.last_error && <div class="error">{d.last_error}</div>}
                  {d.last_attempt_at && <div class="note">{d.last_attempt_at}</div>}
                </td>
                <td>
                  {d.status !== "pending" && (
                    <button
                      type="button"
                      class="secondary small"
                      disabled={action.busy}
                      aria-label={`Replay ${d.event_type} ${d.event_id}`}
                      onClick={() =>
                        action
                          .run(
                            () =>
                              api.post(`${path}/deliveries/${encodeURIComponent(d.event_id)}/redeliver`, {}),
                            `Delivery of ${d.event_id} queued again.`,
                          )
                          .then(refresh)
                      }
                    >
                      Replay
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        ))}
      {log.state === "ready" && (
        <div class="pager">
          <button
            type="button"
            class="secondary"
            disabled={pages.length === 0}
            onClick={() => {
              setCursor(pages[pages.length - 1] ?? null);
              setPages(pages.slice(0, -1));
            }}
          >
            Newer
          </button>
          <button
            type="button"
            class="secondary"
            disabled={!log.data.next_cursor}
            onClick={() => {
              setPages([...pages, cursor]);
              setCursor(log.data.next_cursor);
            }}
          >
            Older
          </button>
        </div>
      )}

      <h3>Replay since a time</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          action
            .run(
              () =>
                api.post<{ redelivered: number }>(`${path}/redeliver`, {
                  since: new Date(since).toISOString(),
                }),
              (r) => `${r.redelivered} ${r.redelivered === 1 ? "delivery" : "deliveries"} queued again.`,
              "Queueing the deliveries again…",
            )
            .then(refresh);
        }}
      >
        <Field id="replay-since" label="Every delivered or failed event recorded since">
          {(props) => (
            <input
              {...props}
              type="datetime-local"
              step={1}
              required
              value={since}
              onInput={(e) => setSince(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit" disabled={action.busy}>
          Replay
        </button>
      </form>

      <h3>Delete</h3>
      <ConfirmDelete
        label="Delete webhook"
        question="Delete this webhook and its delivery log?"
        busy={action.busy}
        onConfirm={() =>
          action
            .run(() => api.delete(path), "Webhook deleted.")
            .then((ok) => {
              if (ok) location.hash = "#/webhooks";
            })
        }
      />
    </section>
  );
}
