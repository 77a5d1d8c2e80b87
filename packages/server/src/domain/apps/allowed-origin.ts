import { isLoopbackHost } from "../../outbound/outbound-url.js";
import type { AppRecord } from "./app-repository.js";

/**
 * Which browser origins belong to an app (docs/frontend-api.md): `https` origins on the site of one
 * of the app's usable custom domains (the site and its subdomains); in `dev` mode also any http(s)
 * origin on a loopback host (localhost, *.localhost, 127.0.0.0/8, [::1]). CORS allows these, and a
 * social login returns only to URLs on them.
 */
export function isAllowedOrigin(app: AppRecord, origin: string, sites: string[] = []): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin || (url.protocol !== "https:" && url.protocol !== "http:")) return false;
  const host = url.hostname;
  if (app.mode === "dev" && isLoopbackHost(host)) return true;
  if (url.protocol !== "https:" && app.mode !== "dev") return false;
  return sites.some((site) => host === site || host.endsWith(`.${site}`));
}

/**
 * A social login's `redirect_uri` (docs/social-login.md): an absolute URL on an allowed origin,
 * without credentials or fragment (the answer's parameters go in the query).
 */
export function isAllowedRedirect(app: AppRecord, redirectUri: string, sites: string[]): boolean {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  if (url.username || url.password || url.hash || redirectUri.includes("#")) return false;
  return isAllowedOrigin(app, url.origin, sites);
}
