import type { Identifier, OAuthProvider } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { createUser } from "../identity/create-user.js";
import { normalizeEmail } from "../identity/normalize-identifier.js";
import { addIdentifierInTx } from "../identity/user-identifiers.js";
import type { UserRecord } from "../identity/user-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import type { ProviderIdentity } from "./identity-provider.js";
import type { OAuthConfigValue } from "./oauth-config.js";

export type Resolution =
  | { ok: true; user: UserRecord; identifier: Identifier }
  /** The provider's email is unverified and `verify_email` asks for an OTP first (§4.3). */
  | { ok: "verify_email"; email: string }
  | Failure<"email_in_use" | "account_disabled" | "invalid_input">;

export const oauthIdentifier = (provider: OAuthProvider, subject: string): Identifier => ({
  type: "oauth",
  value: `${provider}:${subject}`,
});

/**
 * Who a social login signs in (prelude-api.md §9.9, docs/social-login.md): the user who has this
 * OAuth identity; else, for a verified email another user has, that user — only with
 * `allow_email_account_merge`, which links the identity to them — or `email_in_use`; else a new
 * user with the identity (and the verified email with `use_email_as_identifier`). An unverified
 * email never links and never becomes an identifier. Races with a concurrent sign-in of the same
 * account are settled by the identifiers' unique index, and resolved again once.
 */
export async function resolveOAuthAccount(
  deps: DomainDeps,
  app: AppRecord,
  provider: OAuthProvider,
  config: OAuthConfigValue,
  identity: ProviderIdentity,
): Promise<Resolution> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const resolved = await resolveOnce(deps, app, provider, config, identity);
    if (resolved !== RACED) return resolved;
  }
  return { ok: false, reason: "invalid_input", message: "The account changed during sign-in; try again." };
}

const RACED = Symbol("raced");

async function resolveOnce(
  deps: DomainDeps,
  app: AppRecord,
  provider: OAuthProvider,
  config: OAuthConfigValue,
  identity: ProviderIdentity,
): Promise<Resolution | typeof RACED> {
  const identifier = oauthIdentifier(provider, identity.subject);
  const signIn = (user: UserRecord): Resolution =>
    user.status === "active" ? { ok: true, user, identifier } : { ok: false, reason: "account_disabled" };
  const [linked] = await deps.store.users.findByIdentifiers(app.id, [identifier]);
  if (linked) return signIn(linked);

  const email = identity.email === null ? null : normalizeEmail(identity.email);
  const trusted = identity.emailVerified ? email : null;
  if (email !== null && trusted === null && config.options.verify_email) return { ok: "verify_email", email };

  if (trusted !== null) {
    const [owner] = await deps.store.users.findByIdentifiers(app.id, [
      { type: "email_address", value: trusted },
    ]);
    if (owner) {
      if (!config.options.allow_email_account_merge)
        return {
          ok: false,
          reason: "email_in_use",
          message: `The ${provider} account's email belongs to an existing account; sign in to it another way first.`,
        };
      if (owner.status !== "active") return { ok: false, reason: "account_disabled" };
      const added = await deps.store.transaction((tx) =>
        addIdentifierInTx(tx, app.id, owner.id, identifier, deps.clock.now()),
      );
      if (!added.ok) return RACED;
      return signIn(added.user);
    }
  }

  const created = await createUser(
    deps,
    app.id,
    {
      identifiers: [
        identifier,
        ...(trusted !== null && config.options.use_email_as_identifier
          ? [{ type: "email_address" as const, value: trusted }]
          : []),
      ],
      profile: {
        ...(identity.givenName && { first_name: identity.givenName }),
        ...(identity.familyName && { last_name: identity.familyName }),
      },
    },
    "login",
  );
  if (created.ok) return signIn(created.user);
  if (created.reason === "identifier_taken") return RACED;
  return {
    ok: false,
    reason: "invalid_input",
    message: created.message ?? "The provider's account could not be used.",
  };
}
