import type { ProviderClient, ProviderFailure, ProviderIdentity } from "../domain/oauth/identity-provider.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { getJson, type IdpTarget, postForm } from "./idp-fetch.js";

const API_HEADERS = { accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" };

const at = (base: IdpTarget, path: string): IdpTarget => ({
  url: new URL(`${base.url.href.replace(/\/+$/, "")}${path}`),
  publicOnly: base.publicOnly,
});

/** GitHub's authorize URL ("Authorizing OAuth apps": web application flow, step 1, with PKCE). */
export function githubAuthorizationUrl(
  web: IdpTarget,
  client: ProviderClient,
  attempt: { state: string; codeChallenge: string },
): string {
  const url = at(web, "/login/oauth/authorize").url;
  url.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.callbackUrl,
    scope: client.scopes.join(" "),
    state: attempt.state,
    code_challenge: attempt.codeChallenge,
    code_challenge_method: "S256",
  }).toString();
  return url.href;
}

/**
 * GitHub is OAuth 2 without ID tokens: the code becomes an access token (step 2), which reads the
 * user (`GET /user`: the numeric `id` is the stable subject; `login` can change) and their emails
 * (`GET /user/emails`). Only the primary email, and only when GitHub marks it verified, counts.
 */
export async function githubIdentity(
  outbound: OutboundClient,
  endpoints: { web: IdpTarget; api: IdpTarget },
  client: ProviderClient,
  answer: { code: string; codeVerifier: string },
): Promise<{ ok: true; identity: ProviderIdentity } | ProviderFailure> {
  const token = await postForm(outbound, at(endpoints.web, "/login/oauth/access_token"), {
    client_id: client.clientId,
    client_secret: client.clientSecret ?? "",
    code: answer.code,
    redirect_uri: client.callbackUrl,
    code_verifier: answer.codeVerifier,
  });
  if (!token.ok) return { ok: false, failure: "unavailable", detail: token.detail };
  const body = token.json as Record<string, unknown> | null;
  // GitHub answers a refused code with 200 and an `error` field.
  if (token.status !== 200 || typeof body?.access_token !== "string")
    return {
      ok: false,
      failure: "rejected",
      detail: `token endpoint: ${token.status} ${typeof body?.error === "string" ? body.error : "without access_token"}`,
    };
  const auth = { ...API_HEADERS, authorization: `Bearer ${body.access_token}` };
  const [user, emails] = await Promise.all([
    getJson(outbound, at(endpoints.api, "/user"), auth),
    getJson(outbound, at(endpoints.api, "/user/emails"), auth),
  ]);
  if (!user.ok) return { ok: false, failure: "unavailable", detail: user.detail };
  if (!emails.ok) return { ok: false, failure: "unavailable", detail: emails.detail };
  const u = user.json as Record<string, unknown> | null;
  if (user.status !== 200 || typeof u?.id !== "number" || !Number.isSafeInteger(u.id))
    return { ok: false, failure: "invalid_identity", detail: `GET /user: ${user.status}, no numeric id` };
  // Without the user:email scope the list is refused; the sign-in then has no email.
  const list = emails.status === 200 && Array.isArray(emails.json) ? emails.json : [];
  const primary = list.find(
    (e): e is { email: string; verified: boolean } =>
      typeof e === "object" && e !== null && e.primary === true && typeof e.email === "string",
  );
  const email = primary && primary.email.length <= 320 ? primary.email.trim().toLowerCase() : null;
  const [givenName, ...rest] = typeof u.name === "string" ? u.name.trim().split(/\s+/) : [];
  return {
    ok: true,
    identity: {
      subject: String(u.id),
      email,
      emailVerified: email !== null && primary?.verified === true,
      ...(givenName && { givenName: givenName.slice(0, 256) }),
      ...(rest.length > 0 && { familyName: rest.join(" ").slice(0, 256) }),
    },
  };
}
