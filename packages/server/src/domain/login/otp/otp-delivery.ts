import type { AppMode, OtpDelivery } from "@overture/protocol";
import type Type from "typebox";
import { decryptSecret, encryptSecret } from "../../../keys/key-encryption.js";
import { checkOutboundUrl } from "../../../outbound/outbound-url.js";
import type { OtpDelivery as StoredDelivery } from "./otp-repository.js";

/** A sender as the Management API receives it, credentials in clear (the protocol schema). */
export type OtpDeliveryInput = Type.Static<typeof OtpDelivery>;

/**
 * The write-time rule for a sender: an `http` gateway URL follows the migration hook's outbound
 * rules (https; http only to a loopback host in dev; no credentials or fragment). Where a host
 * resolves is checked again at every send, with the address guard in prod (docs/otp.md).
 */
export function checkDelivery(
  input: OtpDeliveryInput,
  mode: AppMode,
): { ok: true } | { ok: false; message: string } {
  if (input.type !== "http") return { ok: true };
  const checked = checkOutboundUrl(input.url, mode, "delivery.url");
  return checked.ok ? { ok: true } : checked;
}

/**
 * Seals a sender's credentials (the SMTP password, the gateway's headers) with a key derived from
 * the master key, bound to the config id: at rest and in API answers they never appear in clear.
 */
export function sealDelivery(key: Buffer, configId: string, input: OtpDeliveryInput): StoredDelivery {
  if (input.type === "console") return { type: "console" };
  if (input.type === "http") {
    const headers = input.headers ?? {};
    return {
      type: "http",
      url: input.url,
      headerNames: Object.keys(headers),
      headersSealed: Object.keys(headers).length
        ? encryptSecret(key, JSON.stringify(headers), configId)
        : null,
    };
  }
  return {
    type: "smtp",
    host: input.host,
    port: input.port,
    secure: input.secure ?? input.port === 465,
    requireTls: input.require_tls ?? true,
    username: input.username ?? null,
    passwordSealed: input.password ? encryptSecret(key, input.password, configId) : null,
    from: input.from,
  };
}

export function openHeaders(key: Buffer, configId: string, sealed: string | null): Record<string, string> {
  return sealed ? (JSON.parse(decryptSecret(key, sealed, configId)) as Record<string, string>) : {};
}

export function openPassword(key: Buffer, configId: string, sealed: string | null): string | undefined {
  return sealed ? decryptSecret(key, sealed, configId) : undefined;
}

/** What the API shows of a sender: everything but the credentials. */
export function describeDelivery(d: StoredDelivery) {
  if (d.type === "console") return { type: "console" as const };
  if (d.type === "http") return { type: "http" as const, url: d.url, header_names: d.headerNames };
  return {
    type: "smtp" as const,
    host: d.host,
    port: d.port,
    secure: d.secure,
    require_tls: d.requireTls,
    username: d.username,
    password_set: d.passwordSealed !== null,
    from: d.from,
  };
}
