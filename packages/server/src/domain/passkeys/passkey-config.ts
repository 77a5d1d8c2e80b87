import type { PasskeyConfigRequest } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import type { ConfigRecord } from "../apps/config-repository.js";
import { singleConfig } from "../apps/single-config.js";
import { unknownScope } from "../scopes/allowed-scopes.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { stepUpConfig, usesPasskeyStep } from "../step-up/step-up-config.js";

export const PASSKEY_CONFIG = "passkey";

export interface PasskeyConfigValue {
  rp_id: string;
  rp_name: string;
  allowed_origins: string[];
  user_verification: "required" | "preferred" | "discouraged";
  attestation_preference: "none" | "indirect" | "direct" | "enterprise";
  login_enabled: boolean;
  granted_scopes: string[];
  aaguid_allowlist: string[];
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A host name as an RP ID: lower-case labels, no scheme, port, path or IP address. */
function isRpId(value: string): boolean {
  if (value.length > 253 || /^[\d.]+$/.test(value) || value.includes(":")) return false;
  return value.split(".").every((label) => HOST_LABEL.test(label));
}

/**
 * An allowed origin, normalised (`https://App.Example.com:443/` → `https://app.example.com`), or why
 * not: `https` on the RP ID or a subdomain of it (WebAuthn's rule for which pages may use an RP ID),
 * or `http://localhost:<port>` when the RP ID is `localhost`, for development.
 */
function checkOrigin(
  raw: string,
  rpId: string,
  field: string,
): { ok: true; origin: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: `${field} is not an origin (scheme://host[:port]).` };
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username || url.password)
    return {
      ok: false,
      message: `${field} must be an origin alone: no path, query, fragment or credentials.`,
    };
  const host = url.hostname;
  const local = host === "localhost";
  if (url.protocol === "http:" && !(local && rpId === "localhost"))
    return {
      ok: false,
      message: `${field} must be https (http only as http://localhost:<port> with rp_id "localhost").`,
    };
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { ok: false, message: `${field} must be https.` };
  if (host !== rpId && !host.endsWith(`.${rpId}`))
    return {
      ok: false,
      message: `${field} "${url.origin}" is not within rp_id "${rpId}" (its host must be the RP ID or a subdomain of it).`,
    };
  return { ok: true, origin: url.origin };
}

/** The stored value for a request: defaults applied, every rule that needs no other data checked. */
function completePasskeyConfig(
  input: PasskeyConfigRequest,
): { ok: true; value: PasskeyConfigValue } | { ok: false; message: string } {
  const rpId = input.rp_id.trim().toLowerCase();
  if (!isRpId(rpId))
    return { ok: false, message: "rp_id must be a host name (example.com), without scheme, port or path." };
  const origins: string[] = [];
  for (const [i, raw] of input.allowed_origins.entries()) {
    const checked = checkOrigin(raw.trim(), rpId, `allowed_origins[${i}]`);
    if (!checked.ok) return checked;
    if (!origins.includes(checked.origin)) origins.push(checked.origin);
  }
  const attestation = input.attestation_preference ?? "none";
  const aaguids = [...new Set((input.aaguid_allowlist ?? []).map((a) => a.toLowerCase()))];
  if (aaguids.length > 0 && attestation !== "direct" && attestation !== "enterprise")
    return {
      ok: false,
      message:
        'aaguid_allowlist needs attestation_preference "direct" or "enterprise": without attestation an authenticator\'s model cannot be trusted.',
    };
  return {
    ok: true,
    value: {
      rp_id: rpId,
      rp_name: input.rp_name.trim(),
      allowed_origins: origins,
      user_verification: input.user_verification ?? "required",
      attestation_preference: attestation,
      login_enabled: input.login_enabled ?? false,
      granted_scopes: [...new Set(input.granted_scopes ?? [])].sort(),
      aaguid_allowlist: aaguids,
    },
  };
}

/**
 * The app's passkey (WebAuthn relying party) config, prelude-api.md §3.15 (docs/passkeys.md): one
 * document per app, every rule checked before it is stored.
 */
const kind = singleConfig<PasskeyConfigValue, PasskeyConfigRequest>({
  kind: PASSKEY_CONFIG,
  label: "passkey",
  complete: (_app, input) => completePasskeyConfig(input),
  // Read under a share lock, so removing a granted scope waits for this write (allowed-scopes.ts).
  checkInTx: (tx, app, value) => unknownScope(tx, app.id, value.granted_scopes, "granted_scopes[]", "share"),
});

export const passkeyConfig = {
  get: kind.get,
  read: kind.read,
  /** DELETE, except while a step-up rule has a `verify_passkey` step: its users could not step up. */
  async remove(
    deps: DomainDeps,
    app: AppRecord,
  ): Promise<{ ok: true } | Failure<"not_configured" | "config_in_use">> {
    const stepUp = await stepUpConfig.read(deps, app.id);
    const using = stepUp?.value.allowed_scopes.filter(usesPasskeyStep).map((e) => e.scope) ?? [];
    if (using.length > 0)
      return {
        ok: false,
        reason: "config_in_use",
        message: `The step-up config verifies ${[...new Set(using)].join(", ")} with a verify_passkey step; change it first.`,
      };
    return kind.remove(deps, app);
  },
  /**
   * PUT: the config created, or replaced whole (omitted fields return to their defaults). A new
   * `rp_id` while passkeys registered under another exist is refused unless `force`: they stop
   * working (a credential is bound to its RP ID), and stay listed until their owners delete them.
   */
  async put(
    deps: DomainDeps,
    app: AppRecord,
    input: PasskeyConfigRequest,
    options: { force: boolean } = { force: false },
  ): Promise<
    { ok: true; config: ConfigRecord<PasskeyConfigValue> } | Failure<"invalid_input" | "config_in_use">
  > {
    // The request's own rules first: a bad one is a 400 whatever the stored state.
    const complete = completePasskeyConfig(input);
    if (!complete.ok) return { ok: false, reason: "invalid_input", message: complete.message };
    const stranded = await deps.store.passkeys.countNotUnder(app.id, complete.value.rp_id);
    if (stranded > 0 && !options.force)
      return {
        ok: false,
        reason: "config_in_use",
        message: `${stranded} passkey${stranded === 1 ? " was" : "s were"} registered under another rp_id and would stop working; PUT again with ?force=true to change it anyway.`,
      };
    const replaced = await kind.replace(deps, app, input);
    if (replaced.ok || replaced.reason === "invalid_input") return replaced;
    const created = await kind.create(deps, app, input);
    if (created.ok || created.reason === "invalid_input") return created;
    // Created by a concurrent PUT since: this one replaces it.
    const again = await kind.replace(deps, app, input);
    return again.ok || again.reason === "invalid_input"
      ? again
      : { ok: false, reason: "invalid_input", message: "The passkey config changed concurrently; retry." };
  },
};
