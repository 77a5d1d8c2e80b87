import { useState } from "preact/hooks";
import { ConfigDocument, orNull } from "./config-document.js";
import type { ManagementApi } from "./management-api.js";
import { Failure, Loading } from "./states.js";
import { useApiData } from "./use-api-data.js";

const OAUTH_PROVIDERS = ["google", "apple", "microsoft", "github", "okta"] as const;

/** A stored view without the times the server keeps: what a PUT takes back. */
const withoutTimes = <T extends Record<string, unknown>>(view: T) => {
  const { created_at, updated_at, ...rest } = view;
  return rest;
};

interface OtpView extends Record<string, unknown> {
  id: string;
  channel_type: string;
  is_default: boolean;
  template_id: string | null;
  sender_id: string | null;
  granted_scopes: string[];
  delivery: DeliverySummary;
}

type DeliverySummary =
  | { type: "console" }
  | { type: "http"; url: string; header_names: string[] }
  | {
      type: "smtp";
      host: string;
      port: number;
      secure: boolean;
      require_tls: boolean;
      username: string | null;
      from: string;
    };

/** The delivery a PUT would send back: the summary less what it cannot show (header values, password). */
function deliveryRequest(d: DeliverySummary): Record<string, unknown> {
  if (d.type === "http") return { type: "http", url: d.url };
  if (d.type === "smtp") {
    const { username, ...rest } = d;
    return { ...rest, ...(username !== null && { username }) };
  }
  return { type: "console" };
}

interface OAuthView extends Record<string, unknown> {
  provider_id: string;
}

/**
 * The login and session configs, each as its request JSON (config-document.tsx): OTP (one per
 * channel config), password, social providers, passkeys, session lifetimes and the migration hook.
 * Secrets (SMTP passwords, client secrets, Apple keys) are never shown: the API does not return
 * them, and a PUT without them keeps the stored ones.
 */
export function ConfigsScreen({ api }: { api: ManagementApi }) {
  const otp = useApiData(() => api.get<{ login_configs: OtpView[] }>("/config/login/otp"), [api]);
  const oauth = useApiData(() => api.get<{ configs: OAuthView[] }>("/config/login/oauth"), [api]);
  const [newProvider, setNewProvider] = useState<string>("google");
  return (
    <section aria-labelledby="configs-title">
      <h2 id="configs-title">Login and session configs</h2>

      <h3>One-time codes</h3>
      {otp.state === "loading" && <Loading what="OTP configs" />}
      {otp.state === "failed" && <Failure error={otp.error} />}
      {otp.state === "ready" && (
        <>
          {otp.data.login_configs.map((c) => (
            <ConfigDocument
              key={c.id}
              api={api}
              id={`otp-${c.id}`}
              title={`OTP by ${c.channel_type} (${c.id})`}
              description="A save replaces the config whole. HTTP header values and the SMTP password are never shown: give them again in delivery when saving."
              path={`/config/login/otp/${encodeURIComponent(c.id)}`}
              load={async () =>
                (await api.get<{ login_configs: OtpView[] }>("/config/login/otp")).login_configs.find(
                  (x) => x.id === c.id,
                ) ?? null
              }
              toRequest={(v) => ({
                config_type: "otp",
                channel_type: v.channel_type,
                is_default: v.is_default,
                ...(v.template_id !== null && { template_id: v.template_id }),
                ...(v.sender_id !== null && { sender_id: v.sender_id }),
                granted_scopes: v.granted_scopes,
                delivery: deliveryRequest(v.delivery),
              })}
              template={null}
              createWith="put"
              onChange={() => otp.reload()}
            />
          ))}
          <ConfigDocument
            api={api}
            id="otp-new"
            title="new OTP config"
            description="Adds a channel: email or sms."
            path="/config/login/otp"
            load={async () => null}
            toRequest={(v) => v}
            template={{ config_type: "otp", channel_type: "email", is_default: true }}
            createWith="post"
            onChange={() => otp.reload()}
          />
        </>
      )}

      <ConfigDocument
        api={api}
        id="password"
        title="password login"
        description="Hashing, rate limits and the rules new passwords must meet."
        path="/config/login/password"
        load={() =>
          api.get<{ config: Record<string, unknown> }>("/config/login/password").then((r) => r.config, orNull)
        }
        toRequest={withoutTimes}
        template={{ enabled: true }}
        createWith="post"
      />

      <h3>Social login</h3>
      {oauth.state === "loading" && <Loading what="social providers" />}
      {oauth.state === "failed" && <Failure error={oauth.error} />}
      {oauth.state === "ready" && (
        <>
          {oauth.data.configs.map((c) => (
            <ConfigDocument
              key={c.provider_id}
              api={api}
              id={`oauth-${c.provider_id}`}
              title={`${c.provider_id} sign-in`}
              description="The client secret is kept when left out."
              path={`/config/login/oauth/${c.provider_id}`}
              load={async () =>
                (await api.get<{ configs: OAuthView[] }>("/config/login/oauth")).configs.find(
                  (x) => x.provider_id === c.provider_id,
                ) ?? null
              }
              toRequest={(v) => {
                const { provider_id, created_at, updated_at, ...rest } = v;
                return rest;
              }}
              template={null}
              createWith="put"
              onChange={() => oauth.reload()}
            />
          ))}
          <form class="inline" onSubmit={(e) => e.preventDefault()}>
            <label for="new-provider">Add a provider</label>
            <select
              id="new-provider"
              value={newProvider}
              onChange={(e) => setNewProvider(e.currentTarget.value)}
            >
              {OAUTH_PROVIDERS.filter((p) => !oauth.data.configs.some((c) => c.provider_id === p)).map(
                (p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ),
              )}
            </select>
          </form>
          <ConfigDocument
            key={newProvider}
            api={api}
            id="oauth-new"
            title={`new ${newProvider} sign-in`}
            description="Client credentials from the provider's console (docs/social-login.md)."
            path={`/config/login/oauth/${newProvider}`}
            load={async () => null}
            toRequest={(v) => v}
            template={{ client_id: "", client_secret: "" }}
            createWith="post"
            onChange={() => oauth.reload()}
          />
        </>
      )}

      <ConfigDocument
        api={api}
        id="passkey"
        title="passkeys"
        description="The relying party, origins and verification rules (docs/passkeys.md)."
        path="/config/passkey"
        load={() =>
          api.get<{ config: Record<string, unknown> }>("/config/passkey").then((r) => r.config, orNull)
        }
        toRequest={withoutTimes}
        template={{ rp_id: location.hostname, rp_name: "My app", allowed_origins: [location.origin] }}
        createWith="put"
      />

      <ConfigDocument
        api={api}
        id="session"
        title="session lifetimes"
        description="Access token, absolute and idle lifetimes, in seconds."
        path="/config/session"
        load={() => api.get<{ config: Record<string, unknown> }>("/config/session").then((r) => r.config)}
        toRequest={(v) => v}
        template={null}
        createWith="put"
        deletable={false}
      />

      <ConfigDocument
        api={api}
        id="migration"
        title="migration hook"
        description="The session validation hook lazy migration calls (docs/migration.md)."
        path="/config/migration"
        load={() =>
          api.get<{ config: Record<string, unknown> }>("/config/migration").then((r) => r.config, orNull)
        }
        toRequest={withoutTimes}
        template={{ session_validation_url: "https://api.example.com/session/validate" }}
        createWith="post"
      />
    </section>
  );
}
