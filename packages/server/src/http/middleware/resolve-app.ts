import type { FastifyRequest } from "fastify";
import type { Config } from "../../config/config-schema.js";
import { isUsable, siteOf } from "../../domain/domains.js";
import type { AppRecord, Store } from "../../storage/repositories.js";
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
    private readonly config: Pick<Config, "baseDomain" | "defaultApp">,
    private readonly now: () => number,
  ) {}

  async resolve(hostname: string): Promise<AppRecord | null> {
    const host = hostname.toLowerCase().replace(/\.$/, "");
    const suffix = `.${this.config.baseDomain}`;
    if (host.endsWith(suffix)) {
      const label = host.slice(0, -suffix.length);
      if (/^[a-z0-9]{1,63}$/.test(label)) {
        const app = await this.app(label);
        if (app) return app;
      }
    }
    const domainApp = await this.domainApp(host);
    if (domainApp !== undefined) return domainApp;
    return this.defaultApp();
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

export function resolveApp(resolver: AppResolver) {
  return async (request: FastifyRequest): Promise<void> => {
    const app = await resolver.resolve(request.hostname);
    if (!app) throw new ApiError("not_found", "No application is served at this host.");
    request.overtureApp = app;
    if (request.headers.origin) request.overtureSites = await resolver.sitesOf(app);
  };
}
