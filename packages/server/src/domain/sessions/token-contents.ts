import type { Identifier } from "@overture/protocol";
import { CLAIMS_CONFIG, type ClaimsConfigValue } from "../claims/claims-config.js";
import { type CompiledMapping, compileMapping } from "../claims/claims-mapping.js";
import { resolveClaims } from "../claims/resolve-claims.js";
import type { StepUpGrant, TokenSubject } from "../identity/user-repository.js";
import type { Store } from "../shared/store.js";
import type { SessionRecord } from "./session-repository.js";

/** An app's scope and claims configuration as every token mint uses it, at one version. */
export interface TokenContents {
  version: number;
  allowed: ReadonlySet<string>;
  /** By group id. */
  groups: ReadonlyMap<string, { name: string; scopes: readonly string[] }>;
  claims: CompiledMapping | null;
}

/**
 * Each node's copy of its apps' TokenContents. Every mint reads the app's token config version in
 * the query it makes anyway (a finalize's user read, a refresh's token read) and asks for that
 * version: the copy is reloaded only when a change has incremented it, on any node. So a changed
 * group or mapping applies at the next mint everywhere, at no cost per mint in round trips.
 */
export class TokenContentsCache {
  private readonly entries = new Map<string, TokenContents>();
  private readonly loading = new Map<string, Promise<TokenContents>>();

  constructor(private readonly store: Pick<Store, "scopes" | "configs">) {}

  /** The contents at `version` or newer. */
  async get(appId: string, version: number): Promise<TokenContents> {
    const cached = this.entries.get(appId);
    if (cached && cached.version >= version) return cached;
    let pending = this.loading.get(appId);
    if (!pending) {
      pending = this.load(appId).finally(() => this.loading.delete(appId));
      this.loading.set(appId, pending);
    }
    const loaded = await pending;
    // A load that started before `version` was committed may be older: load once more.
    return loaded.version >= version ? loaded : this.load(appId);
  }

  /** What is cached now, maybe behind: to guess what a mint will need before it reads the version. */
  peek(appId: string): TokenContents | undefined {
    return this.entries.get(appId);
  }

  private async load(appId: string): Promise<TokenContents> {
    const scopes = await this.store.scopes.tokenScopeConfig(appId);
    const claims = await this.store.configs.get<ClaimsConfigValue>(appId, CLAIMS_CONFIG);
    const compiled = claims ? compileMapping(claims.value.mapping) : null;
    const contents: TokenContents = {
      version: scopes.version,
      allowed: new Set(scopes.allowed),
      groups: new Map(scopes.groups.map((g) => [g.id, { name: g.name, scopes: g.scopes }])),
      // Checked when written; a stored mapping that fails a later, stricter rule adds nothing.
      claims: compiled?.ok ? compiled.mapping : null,
    };
    const current = this.entries.get(appId);
    if (!current || current.version <= contents.version) this.entries.set(appId, contents);
    return contents;
  }
}

/** What the request a token is minted for tells about the client. */
export interface MintClient {
  ip: string | null;
  locales: string[];
}

/**
 * The `scope` and mapped claims of an access token (docs/scopes-and-claims.md): the sorted,
 * de-duplicated union of the user's scopes, the scopes of the session's groups as they are now,
 * the session's own grants (login method) and the live step-up grants (docs/step-up.md) — each
 * still an allowed scope of the app. `grantEnds` says until when each step-up scope holds (Unix
 * seconds), the latest grant of a scope winning, for the scopes no other source gives.
 */
export function accessTokenContents(
  contents: TokenContents,
  user: TokenSubject,
  identifiers: Identifier[] | undefined,
  session: Pick<SessionRecord, "id" | "scopes" | "groupIds" | "method" | "createdAt">,
  client: MintClient,
  stepUpGrants: readonly StepUpGrant[],
): {
  scope: string;
  claims: Record<string, unknown>;
  overBudget: boolean;
  grantEnds: Record<string, number>;
} {
  const scopes = new Set(user.scopes);
  const groups: string[] = [];
  for (const id of session.groupIds) {
    const group = contents.groups.get(id);
    if (!group) continue; // deleted since the session started
    groups.push(group.name);
    for (const scope of group.scopes) scopes.add(scope);
  }
  for (const scope of session.scopes) scopes.add(scope);
  const grantEnds: Record<string, number> = {};
  for (const grant of stepUpGrants) {
    if (scopes.has(grant.scope) || !contents.allowed.has(grant.scope)) continue;
    grantEnds[grant.scope] = Math.max(grantEnds[grant.scope] ?? 0, Math.floor(grant.expiresAt / 1000));
  }
  for (const granted of Object.keys(grantEnds)) scopes.add(granted);
  const scope = [...scopes]
    .filter((s) => contents.allowed.has(s))
    .sort()
    .join(" ");
  if (!contents.claims) return { scope, claims: {}, overBudget: false, grantEnds };
  const resolved = resolveClaims(contents.claims, {
    userId: user.id,
    externalId: user.externalId,
    sessionId: session.id,
    identifiers,
    groups: groups.sort(),
    loginMethod: session.method,
    sessionCreatedAt: session.createdAt,
    ip: client.ip,
    locales: client.locales,
    profile: user.readProfile,
  });
  return { scope, ...resolved, grantEnds };
}
