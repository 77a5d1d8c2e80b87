import type { Store } from "../shared/store.js";
import type { AppRecord } from "./app-repository.js";
import { isUsable, siteOf } from "./custom-domains.js";

const CACHE_TTL_MS = 5_000;
const ONLY_APP = "\u0000only";

/**
 * Which app a Frontend host serves, cached per node: by Host (port ignored), in this order,
 * `{appId}.<base domain>`; a registered domain (usable in `dev` mode at once, in `prod` once
 * verified); then the configured default app (or the only app, when there is exactly one).
 *
 * The domain operations that change an app or its domains tell the directory (appChanged,
 * domainsChanged), so a change applies at once on the node that made it; other nodes see it within
 * the cache's few seconds. Nothing in http/ has to remember to invalidate it.
 */
export class AppDirectory {
  private readonly apps = new Map<string, { app: AppRecord | null; until: number }>();
  private readonly hosts = new Map<string, { appId: string | null; status: string; until: number }>();
  private readonly sites = new Map<string, { sites: string[]; until: number }>();

  constructor(
    private readonly store: Pick<Store, "apps" | "domains">,
    private readonly settings: { baseDomain: string; defaultApp: string | null },
    private readonly now: () => number,
  ) {}

  /**
   * The app a host serves, with the host itself when it is one of the app's own names
   * (`{appId}.<base domain>` or a registered domain); null `host` when the app is served only as
   * the default, whatever the Host said.
   */
  async resolve(hostname: string): Promise<{ app: AppRecord; host: string | null } | null> {
    const host = hostname.toLowerCase().replace(/\.$/, "");
    const suffix = `.${this.settings.baseDomain}`;
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

  /** An app was created or changed (mode, lifetimes, token algorithm). */
  appChanged(appId: string): void {
    this.apps.delete(appId);
    this.apps.delete(ONLY_APP);
    this.sites.delete(appId);
  }

  /** A domain of the app was registered, verified or removed. */
  domainsChanged(appId: string, host: string): void {
    this.hosts.delete(host);
    this.sites.delete(appId);
  }

  /** The app of a registered domain; null when registered but not usable yet; undefined when unknown. */
  private async domainApp(host: string): Promise<AppRecord | null | undefined> {
    let entry = this.hosts.get(host);
    if (!entry || entry.until <= this.now()) {
      const domain = await this.store.domains.findByHost(host);
      entry = {
        appId: domain?.appId ?? null,
        status: domain?.status ?? "",
        until: this.now() + CACHE_TTL_MS,
      };
      this.hosts.set(host, entry);
    }
    if (entry.appId === null) return undefined;
    const app = await this.app(entry.appId);
    if (!app) return undefined;
    return entry.status === "verified" || app.mode === "dev" ? app : null;
  }

  private async defaultApp(): Promise<AppRecord | null> {
    if (this.settings.defaultApp) return this.app(this.settings.defaultApp);
    const cached = this.apps.get(ONLY_APP);
    if (cached && cached.until > this.now()) return cached.app;
    const apps = await this.store.apps.list();
    const app = apps.length === 1 ? (apps[0] ?? null) : null;
    this.apps.set(ONLY_APP, { app, until: this.now() + CACHE_TTL_MS });
    return app;
  }

  private async app(id: string): Promise<AppRecord | null> {
    const cached = this.apps.get(id);
    if (cached && cached.until > this.now()) return cached.app;
    const app = await this.store.apps.get(id);
    this.apps.set(id, { app, until: this.now() + CACHE_TTL_MS });
    return app;
  }
}
