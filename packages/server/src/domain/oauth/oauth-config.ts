import { createPrivateKey } from "node:crypto";
import {
  OAUTH_DEFAULT_SCOPES,
  OAUTH_PROVIDERS,
  type OAuthConfigRequest,
  type OAuthProvider,
} from "@overture/protocol";
import { encryptSecret } from "../../keys/key-encryption.js";
import { checkOutboundUrl } from "../../outbound/outbound-url.js";
import type { AppRecord } from "../apps/app-repository.js";
import type { ConfigRecord } from "../apps/config-repository.js";
import { unknownScope } from "../scopes/allowed-scopes.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";

/** A provider's config as stored: its secrets only sealed (bound to the app and provider). */
export interface OAuthConfigValue {
  client_id: string;
  client_secret_sealed: string | null;
  enabled: boolean;
  scopes: string[];
  granted_scopes: string[];
  options: { use_email_as_identifier: boolean; allow_email_account_merge: boolean; verify_email: boolean };
  apple?: { team_id: string; key_id: string; p8_key_sealed: string };
  okta?: { issuer_url: string };
}

export type OAuthConfigRecord = ConfigRecord<OAuthConfigValue> & { provider: OAuthProvider };

/** One app_configs document per provider. */
export const oauthConfigKind = (provider: OAuthProvider) => `oauth_${provider}`;

/** What a sealed secret is bound to: a ciphertext moved to another app or field does not open. */
export const oauthSecretContext = (
  appId: string,
  provider: OAuthProvider,
  field: "client_secret" | "p8_key",
) => `${appId}/oauth/${provider}/${field}`;

export function isOAuthProvider(value: string): value is OAuthProvider {
  return (OAUTH_PROVIDERS as readonly string[]).includes(value);
}

type Invalid = Failure<"invalid_input">;
const invalid = (message: string): Invalid => ({ ok: false, reason: "invalid_input", message });
const missing: Failure<"not_configured"> = {
  ok: false,
  reason: "not_configured",
  message: "This OAuth provider is not configured for the app.",
};

export async function listOAuthConfigs(
  deps: Pick<DomainDeps, "store">,
  appId: string,
): Promise<OAuthConfigRecord[]> {
  const found: OAuthConfigRecord[] = [];
  for (const provider of OAUTH_PROVIDERS) {
    const config = await deps.store.configs.get<OAuthConfigValue>(appId, oauthConfigKind(provider));
    if (config) found.push({ ...config, provider });
  }
  return found;
}

/**
 * Creates (`existing` null) or replaces a provider's config under the rules of docs/social-login.md:
 * per-provider fields only where they belong, secrets sealed (a PUT that leaves one out keeps the
 * stored one), `verify_email` only with `use_email_as_identifier` and an email OTP sender, and
 * `granted_scopes` allowed scopes (read under a share lock, so removing one waits for this write).
 */
export async function saveOAuthConfig(
  deps: DomainDeps,
  app: AppRecord,
  provider: OAuthProvider,
  input: OAuthConfigRequest,
  mode: "create" | "replace",
): Promise<{ ok: true; config: OAuthConfigRecord } | Invalid | Failure<"already_exists" | "not_configured">> {
  const kind = oauthConfigKind(provider);
  const existing = await deps.store.configs.get<OAuthConfigValue>(app.id, kind);
  if (mode === "replace" && !existing) return missing;
  const value = await complete(deps, app, provider, input, existing?.value ?? null);
  if (!value.ok) return value;
  const now = deps.clock.now();
  return deps.store.transaction(async (tx, rollback) => {
    const unknown = await unknownScope(tx, app.id, value.value.granted_scopes, "granted_scopes[]", "share");
    if (unknown) return rollback(invalid(unknown));
    if (mode === "create" && !(await tx.configs.create(app.id, kind, value.value, now)))
      return rollback({
        ok: false,
        reason: "already_exists",
        message: `This app already has a ${provider} config; update it with PUT.`,
      } as const);
    if (mode === "replace" && !(await tx.configs.replace(app.id, kind, value.value, now)))
      return rollback(missing);
    const stored = await tx.configs.get<OAuthConfigValue>(app.id, kind);
    if (!stored) return rollback(missing);
    return { ok: true, config: { ...stored, provider } } as const;
  });
}

export async function deleteOAuthConfig(
  deps: Pick<DomainDeps, "store">,
  appId: string,
  provider: OAuthProvider,
) {
  return (await deps.store.configs.delete(appId, oauthConfigKind(provider)))
    ? ({ ok: true } as const)
    : missing;
}

async function complete(
  deps: DomainDeps,
  app: AppRecord,
  provider: OAuthProvider,
  input: OAuthConfigRequest,
  existing: OAuthConfigValue | null,
): Promise<{ ok: true; value: OAuthConfigValue } | Invalid> {
  const seal = (field: "client_secret" | "p8_key", plain: string) =>
    encryptSecret(deps.secrets.configSecrets, plain, oauthSecretContext(app.id, provider, field));
  if (provider !== "apple" && input.apple) return invalid(`apple is only for the apple provider.`);
  if (provider !== "okta" && input.okta) return invalid(`okta is only for the okta provider.`);

  let clientSecretSealed: string | null = null;
  let apple: OAuthConfigValue["apple"];
  let okta: OAuthConfigValue["okta"];
  if (provider === "apple") {
    if (input.client_secret !== undefined)
      return invalid("client_secret is not used for apple: its client secret is made from apple.p8_key.");
    if (!input.apple) return invalid("apple is required: team_id, key_id and p8_key.");
    let p8Sealed = existing?.apple?.p8_key_sealed;
    if (input.apple.p8_key !== undefined) {
      const why = p8Problem(input.apple.p8_key);
      if (why) return invalid(`apple.p8_key ${why}`);
      p8Sealed = seal("p8_key", input.apple.p8_key);
    }
    if (!p8Sealed) return invalid("apple.p8_key is required.");
    apple = { team_id: input.apple.team_id, key_id: input.apple.key_id, p8_key_sealed: p8Sealed };
  } else {
    clientSecretSealed =
      input.client_secret !== undefined
        ? seal("client_secret", input.client_secret)
        : (existing?.client_secret_sealed ?? null);
    if (!clientSecretSealed) return invalid("client_secret is required.");
  }
  if (provider === "okta") {
    if (!input.okta) return invalid("okta is required: issuer_url, your Okta authorization server.");
    const checked = checkOutboundUrl(input.okta.issuer_url, app.mode, "okta.issuer_url");
    if (!checked.ok) return invalid(checked.message);
    okta = { issuer_url: checked.url.href.replace(/\/+$/, "") };
  }

  const options = {
    use_email_as_identifier: input.options?.use_email_as_identifier ?? false,
    allow_email_account_merge: input.options?.allow_email_account_merge ?? false,
    verify_email: input.options?.verify_email ?? false,
  };
  if (options.verify_email) {
    if (!options.use_email_as_identifier)
      return invalid(
        "options.verify_email needs options.use_email_as_identifier: the verified email becomes an identifier.",
      );
    // Dev mode sends codes to the console without a config (docs/otp.md); prod needs a sender.
    const senders = (await deps.store.otp.listConfigs(app.id)).filter((c) => c.channel === "email");
    if (senders.length === 0 && app.mode === "prod")
      return invalid(
        "options.verify_email needs an email OTP config to send the codes (POST /config/login/otp).",
      );
  }
  return {
    ok: true,
    value: {
      client_id: input.client_id,
      client_secret_sealed: clientSecretSealed,
      enabled: input.enabled ?? true,
      scopes: input.scopes ? [...new Set(input.scopes)] : OAUTH_DEFAULT_SCOPES[provider],
      granted_scopes: [...new Set(input.granted_scopes ?? [])].sort(),
      options,
      ...(apple && { apple }),
      ...(okta && { okta }),
    },
  };
}

/** Why a .p8 key is unusable for Apple's client secret (an EC P-256 private key in PEM), or null. */
function p8Problem(pem: string): string | null {
  try {
    const key = createPrivateKey({ key: pem, format: "pem" });
    if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1")
      return "must be an EC P-256 private key (the .p8 file Apple gives).";
    return null;
  } catch {
    return "is not a PEM private key (paste the whole .p8 file).";
  }
}
