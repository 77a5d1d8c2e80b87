import type { ManagementApi } from "./management-api.js";
import { Failure, Loading } from "./states.js";
import { useApiData } from "./use-api-data.js";

interface Domain {
  id: string;
  domain: string;
  status?: string;
  verified?: boolean;
}

/** The app: its mode and the custom domains serving its Frontend API. */
export function AppOverview({ api, appId }: { api: ManagementApi; appId: string }) {
  const mode = useApiData(() => api.get<{ mode: string }>("/mode"), [api]);
  const domains = useApiData(() => api.get<{ domains?: Domain[] }>("/domains"), [api]);
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
    </section>
  );
}
