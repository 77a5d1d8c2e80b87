import { getPublicSuffix, getDomain as registrableDomain } from "tldts";
import type { DomainDeps } from "../shared/domain-deps.js";
import { newId } from "../shared/new-id.js";
import type { AppRecord } from "./app-repository.js";
import type { DomainRecord } from "./domain-repository.js";

/** Looks up a host's CNAME targets (dns/system-cname-resolver.ts); empty when there are none. */
export interface CnameResolver {
  resolveCname(host: string): Promise<string[]>;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** RFC 1035 host name, lower-cased, at least two labels, not an IP address. */
export function normalizeHost(value: string): string | null {
  const host = value.trim().toLowerCase().replace(/\.$/, "");
  if (host.length === 0 || host.length > 253) return null;
  const labels = host.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  if (/^\d+$/.test(labels.at(-1) ?? "")) return null;
  return host;
}

/** A domain serves its app once verified; in `dev` mode, from the moment it is created. */
export function isUsable(domain: DomainRecord, app: AppRecord): boolean {
  return domain.status === "verified" || app.mode === "dev";
}

/** The Public Suffix List with its private section: `github.io` is a suffix as `co.uk` is. */
const PSL = { allowPrivateDomains: true } as const;

/**
 * The site a domain belongs to, whose pages may call it cross-origin: its registrable domain by
 * the Public Suffix List (`session.example.co.uk` → `example.co.uk`, `app.user.github.io` →
 * `user.github.io`) — what browsers call a site. Null for a host that is itself a public suffix,
 * whose "site" would be every registrant under it.
 */
export function siteOf(host: string): string | null {
  return registrableDomain(host, PSL);
}

export function isPublicSuffix(host: string): boolean {
  return getPublicSuffix(host, PSL) === host;
}

export async function createDomain(deps: DomainDeps, app: AppRecord, value: string) {
  const host = normalizeHost(value);
  if (!host)
    return {
      ok: false,
      reason: "invalid_input",
      message: "domain must be a host name such as session.example.com.",
    } as const;
  if (isPublicSuffix(host)) {
    return {
      ok: false,
      reason: "invalid_input",
      message: `${host} is a public suffix (publicsuffix.org), shared by unrelated sites; register a domain of your own under it.`,
    } as const;
  }
  if (host === deps.baseDomain || host.endsWith(`.${deps.baseDomain}`)) {
    return {
      ok: false,
      reason: "invalid_input",
      message: `Hosts under ${deps.baseDomain} are already served; register your own domain.`,
    } as const;
  }
  const now = deps.clock.now();
  const domain: DomainRecord = {
    id: newId("dom", now),
    appId: app.id,
    host,
    status: "pending",
    cnameTarget: `${app.id}.${deps.baseDomain}`,
    createdAt: now,
    updatedAt: now,
    verifiedAt: null,
  };
  if ((await deps.store.domains.create(domain)) === "host_taken")
    return { ok: false, reason: "host_taken" } as const;
  deps.directory.domainsChanged(app.id, host);
  return { ok: true, domain } as const;
}

export async function listDomains(deps: Pick<DomainDeps, "store">, app: AppRecord): Promise<DomainRecord[]> {
  return deps.store.domains.list(app.id);
}

export async function getDomain(deps: Pick<DomainDeps, "store">, app: AppRecord, id: string) {
  const domain = await deps.store.domains.get(app.id, id);
  return domain ? ({ ok: true, domain } as const) : ({ ok: false, reason: "domain_not_found" } as const);
}

/** Removes a domain; it stops serving the app at once on this node. */
export async function deleteDomain(deps: DomainDeps, app: AppRecord, id: string) {
  const domain = await deps.store.domains.get(app.id, id);
  if (!domain || !(await deps.store.domains.delete(app.id, id)))
    return { ok: false, reason: "domain_not_found" } as const;
  deps.directory.domainsChanged(app.id, domain.host);
  return { ok: true } as const;
}

/** Verified when the host has a CNAME to its target. TLS for the host is the operator's (docs/domains.md). */
export async function verifyDomain(deps: DomainDeps, app: AppRecord, id: string) {
  const domain = await deps.store.domains.get(app.id, id);
  if (!domain) return { ok: false, reason: "domain_not_found" } as const;
  if (domain.status === "verified") return { ok: true, domain } as const;
  const found = await deps.dns.resolveCname(domain.host);
  if (!found.includes(domain.cnameTarget)) {
    return {
      ok: false,
      reason: "cname_mismatch",
      message: `${domain.host} must have a CNAME record pointing at ${domain.cnameTarget}; found ${found.length ? found.join(", ") : "none"}.`,
    } as const;
  }
  const now = deps.clock.now();
  await deps.store.domains.markVerified(app.id, id, now);
  deps.directory.domainsChanged(app.id, domain.host);
  return {
    ok: true,
    domain: { ...domain, status: "verified", verifiedAt: now, updatedAt: now } as DomainRecord,
  } as const;
}
