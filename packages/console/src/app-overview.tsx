import { DataTable } from "./data-table.js";
import type { ManagementApi } from "./management-api.js";
import { Failure, Loading } from "./states.js";
import { useApiData } from "./use-api-data.js";

interface Domain {
  id: string;
  domain: string;
  status?: string;
  verified?: boolean;
}

interface PublishedKey {
  kid: string;
  purpose: "token" | "hook";
  alg: string;
  status: "current" | "retired";
  public_jwk: Record<string, unknown>;
  created_at: string;
  expires_at: string | null;
}

/** The app: its mode, the custom domains serving its Frontend API, and its published keys. */
export function AppOverview({ api, appId }: { api: ManagementApi; appId: string }) {
  const mode = useApiData(() => api.get<{ mode: string }>("/mode"), [api]);
  const domains = useApiData(() => api.get<{ domains?: Domain[] }>("/domains"), [api]);
  const keys = useApiData(() => api.get<{ keys: PublishedKey[] }>("/keys"), [api]);
  return (
    <section aria-labelledby="app-title">
      <h2 id="app-title">App</h2>
      <dl class="facts">
        <dt>App ID</dt>
        <dd>
          <code>{appId}</code>
        </dd>
        <dt>Mode</dt>
        <dd data-testid="app-mode">
          {mode.state === "ready" ? mode.data.mode : mode.state === "loading" ? "…" : "unknown"}
        </dd>
      </dl>
      {mode.state === "failed" && <Failure error={mode.error} />}
      <h3>Custom domains</h3>
      {domains.state === "loading" && <Loading what="domains" />}
      {domains.state === "failed" && <Failure error={domains.error} />}
      {domains.state === "ready" &&
        ((domains.data.domains ?? []).length === 0 ? (
          <p class="empty">No custom domain: the Frontend API answers on the app's own host.</p>
        ) : (
          <ul>
            {(domains.data.domains ?? []).map((d) => (
              <li key={d.id}>
                {d.domain} {d.status && <span class="badge">{d.status}</span>}
              </li>
            ))}
          </ul>
        ))}
      <h3>Public keys</h3>
      <p class="note">
        What the app's JWKS publishes at <code>/.well-known/jwks.json</code> on its Frontend host. Private
        parts never leave the server.
      </p>
      {keys.state === "loading" && <Loading what="keys" />}
      {keys.state === "failed" && <Failure error={keys.error} />}
      {keys.state === "ready" && (
        <DataTable caption="Published keys" columns={["Key ID", "Use", "Status", "Public key"]}>
          {keys.data.keys.map((k) => (
            <tr key={k.kid}>
              <td>
                <code>{k.kid}</code>
                <div class="note">since {k.created_at}</div>
              </td>
              <td>
                {k.purpose === "token" ? "access tokens" : "hook calls"} ({k.alg})
              </td>
              <td>
                <span class="badge">{k.status}</span>
                {k.expires_at && <div class="note">published until {k.expires_at}</div>}
              </td>
              <td>
                <details>
                  <summary>JWK</summary>
                  <pre class="json">{JSON.stringify(k.public_jwk, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
