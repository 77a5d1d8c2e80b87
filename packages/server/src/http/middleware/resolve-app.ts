import type { FastifyRequest } from "fastify";
import type { Config } from "../../config/config-schema.js";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import { isUsable, siteOf } from "../../domain/apps/custom-domains.js";
import type { Store } from "../../domain/shared/store.js";
import { ApiError } from "../api-error.js";

const CACHE_TTL_MS = 5_000;
const ONLY_APP = "\u0000only";

/**
 * Frontend requests name their app by Host (port ignored), in this order: `{appId}.<base domain>`;
 * a registered domain (usable in `dev` mode at once, in `prod` once verified); then the configured
 * default app (or the only app, when there is exactly one). Lookups are cached for a few seconds
 * per node, so a mode or domain change reaches every node within that time.
 */
export class AppResolver {
  private readonly cache = new Map<string, { app: AppRecord | null; until: number }>();
  private readonly hosts = new Map<string, { appId: string | null; until: number }>();
  private readonly sites = new Map<string, { sites: string[]; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly config: Pick<Config, "baseDomain" | "defaultApp" | "publicUrl">,
    private readonly now: () => number,
  ) {}

  /**
   * The app a host serves, with the host itself when it is one of the app's own names
   * (`{appId}.<base domain>` or a registered domain); null `host` when the app is served only as
   * the default, whatever the Host said.
   */
  async resolve(hostname: string): Promise<{ app: AppRecord; host: string | null } | null> {
    const host = hostname.toLowerCase().replace(/\.$/, "");
    const suffix = `.${this.config.baseDomain}`;
    if (host.endsWith(suffix)) {
      const label = host.slice(0, -suffix.length);
      if (/^[a-z0-9]{1,63}$/.test(label)) {
        const app = await this.app(label);
        if (app) return { app, host };
      }
    }
    const domainApp = await this.domainApp(host);
    if (domainApp !== undefined) return domainApp && { app: domainApp, host };
    const app = await this.defaultApp();
    return app && { app, host: null };
  }

  /**
   * Drops what this node cached of an app, so a change made through this node (its mode, its
   * lifetimes) applies here at once; other nodes see it within the cache's few seconds.
   */
  forget(appId: string): void {
    this.cache.delete(appId);
    this.cache.delete(ONLY_APP);
    this.sites.delete(appId);
  }

  /** The sites of the app's usable domains: their pages may call the app cross-origin. */
  async sitesOf(app: AppRecord): Promise<string[]> {
    const cached = this.sites.get(app.id);
    if (cached && cached.until > this.now()) return cached.sites;
    const domains = await this.store.domains.list(app.id);
    const sites = [
      ...new Set(
        domains.flatMap((d) => {
          const site = isUsable(d, app) ? siteOf(d.host) : null;
          return site ? [site] : [];
        }),
      ),
    ];
    this.sites.set(app.id, { sites, until: this.now() + CACHE_TTL_MS });
    return sites;
  }

  /** The app of a registered domain; null when registered but not usable yet; undefined when unknown. */
  private async domainApp(host: string): Promise<AppRecord | null | undefined> {
    let entry = this.hosts.get(host);
    if (!entry || entry.until <= this.now()) {
      const domain = await this.store.domains.findByHost(host);
      entry = { appId: domain ? `${domain.appId}|${domain.status}` : null, until: this.now() + CACHE_TTL_MS };
      this.hosts.set(host, entry);
    }
    if (entry.appId === null) return undefined;
    const [appId = "", status] = entry.appId.split("|");
    const app = await this.app(appId);
    if (!app) return undefined;
    return status === "verified" || app.mode === "dev" ? app : null;
  }

  private async defaultApp(): Promise<AppRecord | null> {
    if (this.config.defaultApp) return this.app(this.config.defaultApp);
    const key = ONLY_APP;
    const cached = this.cache.get(key);
    if (cached && cached.until > this.now()) return cached.app;
    const apps = await this.store.apps.list();
    const app = apps.length === 1 ? (apps[0] ?? null) : null;
    this.cache.set(key, { app, until: this.now() + CACHE_TTL_MS });
    return app;
  }

  private async app(id: string): Promise<AppRecord | null> {
    const cached = this.cache.get(id);
    if (cached && cached.until > this.now()) return cached.app;
    const app = await this.store.apps.get(id);
    this.cache.set(id, { app, until: this.now() + CACHE_TTL_MS });
    return app;
  }
}

/**
 * Names the request's app and the issuer of the tokens it may get. The issuer's host is one the
 * app owns — its `{appId}.<base domain>` name or a registered domain — with the scheme and port the
 * client used (through trusted proxies only); on any other Host the default app is served under
 * `OVERTURE_PUBLIC_URL`. So a request with a foreign Host or X-Forwarded-Host cannot choose the `iss`
 * of the tokens it is given (docs/frontend-api.md).
 */
export function resolveApp(resolver: AppResolver, publicUrl: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const resolved = await resolver.resolve(request.hostname);
    if (!resolved) throw new ApiError("not_found", "No application is served at this host.");
    request.overtureApp = resolved.app;
    request.overtureIssuer = resolved.host
      ? originOf(request.protocol, resolved.host, request.port)
      : publicUrl;
    if (request.headers.origin) request.overtureSites = await resolver.sitesOf(resolved.app);
  };
}

/** An origin as URL serialises it (the scheme's default port left out), without parsing one. */
function originOf(protocol: "http" | "https", host: string, port: number | null): string {
  const defaultPort = protocol === "https" ? 443 : 80;
  return `${protocol}://${host}${port && port !== defaultPort ? `:${port}` : ""}`;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The `iss` of tokens minted for this request (resolveApp). */
    overtureIssuer: string;
  }
}
