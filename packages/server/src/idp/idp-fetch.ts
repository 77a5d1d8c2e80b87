import type { OutboundClient } from "../outbound/outbound-client.js";

/** Every call to a provider: 10 s for the whole exchange, 256 KiB back, no redirects. */
export const IDP_TIMEOUT_MS = 10_000;
export const IDP_MAX_RESPONSE_BYTES = 256 * 1024;
const USER_AGENT = "Overture-OAuth/1.0";

export type IdpAnswer = { ok: true; status: number; json: unknown } | { ok: false; detail: string };

/**
 * Where a provider may be reached: `publicOnly` refuses internal addresses (the public providers,
 * and an app's own Okta server in `prod`); an operator's endpoint override is trusted as configured.
 */
export interface IdpTarget {
  url: URL;
  publicOnly: boolean;
}

async function answer(sent: ReturnType<OutboundClient["get"]>, url: URL): Promise<IdpAnswer> {
  const got = await sent;
  if (!got.ok) return { ok: false, detail: `${url.origin}${url.pathname}: ${got.failure} (${got.detail})` };
  try {
    return { ok: true, status: got.status, json: JSON.parse(got.body.toString("utf8")) };
  } catch {
    return { ok: false, detail: `${url.origin}${url.pathname}: status ${got.status}, not JSON` };
  }
}

export function getJson(
  outbound: OutboundClient,
  target: IdpTarget,
  headers: Record<string, string> = {},
): Promise<IdpAnswer> {
  return answer(
    outbound.get(
      target.url,
      { accept: "application/json", "user-agent": USER_AGENT, ...headers },
      {
        peer: "identity_provider",
        timeoutMs: IDP_TIMEOUT_MS,
        maxResponseBytes: IDP_MAX_RESPONSE_BYTES,
        publicOnly: target.publicOnly,
      },
    ),
    target.url,
  );
}

/** A token request: form-encoded (RFC 6749 §4.1.3), JSON back. */
export function postForm(
  outbound: OutboundClient,
  target: IdpTarget,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<IdpAnswer> {
  return answer(
    outbound.post(
      target.url,
      new URLSearchParams(form).toString(),
      {
        accept: "application/json",
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": USER_AGENT,
        ...headers,
      },
      {
        peer: "identity_provider",
        timeoutMs: IDP_TIMEOUT_MS,
        maxResponseBytes: IDP_MAX_RESPONSE_BYTES,
        publicOnly: target.publicOnly,
      },
    ),
    target.url,
  );
}

/** A URL named by a provider's document: absolute, and https unless the document itself was not. */
export function linkedUrl(value: unknown, from: IdpTarget): IdpTarget | null {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && from.url.protocol === "http:"))
      return null;
    return { url, publicOnly: from.publicOnly };
  } catch {
    return null;
  }
}
