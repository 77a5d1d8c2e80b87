import { isIP } from "node:net";
import type { AppMode } from "@overture/protocol";

export type OutboundUrlCheck = { ok: true; url: URL } | { ok: false; message: string };

/**
 * The rule for a customer endpoint Overture will call (the migration hook): an absolute `https` URL
 * without credentials or fragment; in `dev` mode also `http` to a loopback host, so a hook on the
 * developer's machine works. Where the host finally resolves is checked again at call time
 * (docs/migration.md), since DNS can change after the URL was saved.
 */
export function checkOutboundUrl(value: string, mode: AppMode, field: string): OutboundUrlCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, message: `${field} must be an absolute URL.` };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { ok: false, message: `${field} must be an https URL.` };
  if (url.username || url.password)
    return { ok: false, message: `${field} must not carry credentials; requests are signed instead.` };
  if (url.hash) return { ok: false, message: `${field} must not have a fragment.` };
  if (url.protocol === "http:" && !(mode === "dev" && isLoopbackHost(url.hostname))) {
    return {
      ok: false,
      message:
        mode === "dev"
          ? `${field} must be https, or http to a loopback host (localhost, 127.0.0.1, [::1]) in dev mode.`
          : `${field} must be https in prod mode.`,
    };
  }
  return { ok: true, url };
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1 — names and addresses that never leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return isIP(host) === 6 && (host === "::1" || host === "0:0:0:0:0:0:0:1");
}
