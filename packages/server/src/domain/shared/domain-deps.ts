import type { DerivedKeys } from "../../keys/derived-keys.js";
import type { KeyRing } from "../../keys/key-ring.js";
import type { AppDirectory } from "../apps/app-directory.js";
import type { CnameResolver } from "../apps/custom-domains.js";
import type { MigrationHook } from "../login/migration/migration-hook.js";
import type { OtpTransports } from "../login/otp/otp-transports.js";
import type { IdentityProviders } from "../oauth/identity-provider.js";
import type { PasskeyKeys } from "../passkeys/passkey-keys.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { TokenContentsCache } from "../sessions/token-contents.js";
import type { CustomerJwks } from "../step-up/customer-jwks.js";
import type { DelegationHook } from "../step-up/delegation-hook.js";
import type { WebhookActivator } from "../webhooks/webhook-activator.js";
import type { WebhookSender } from "../webhooks/webhook-sender.js";
import type { Clock } from "./clock.js";
import type { Store } from "./store.js";

/** What domain operations need; built once in createApp and passed down, never global. */
export interface DomainDeps {
  store: Store;
  clock: Clock;
  passwords: PasswordHasher;
  keys: KeyRing;
  secrets: DerivedKeys;
  /** Each app's scopes, groups and claims mapping as token mints use them, by version. */
  tokenContents: TokenContentsCache;
  /** Passkey public keys, imported once per node (passkey-keys.ts). */
  passkeyKeys: PasskeyKeys;
  /** Which app each Frontend host serves; the operations that change apps and domains update it. */
  directory: AppDirectory;
  /** Frontend hosts are `{appId}.<baseDomain>` (OVERTURE_BASE_DOMAIN). */
  baseDomain: string;
  /** CNAME lookups for custom-domain verification. */
  dns: CnameResolver;
  /** Calls apps' session validation hooks (hooks/migration-hook-client.ts). */
  migrationHook: MigrationHook;
  /** Calls apps' step-up delegation hooks (hooks/delegation-hook-client.ts). */
  delegationHook: DelegationHook;
  /** Apps' JWKS for custom-step verification tokens, cached (hooks/customer-jwks-client.ts). */
  customerJwks: CustomerJwks;
  /** Runs webhooks' activation handshakes (hooks/webhook-activation-client.ts). */
  webhookActivator: WebhookActivator;
  /** Sends webhook batches (hooks/webhook-sender-client.ts). */
  webhookSender: WebhookSender;
  /** Social login providers: authorization URLs, code exchange, ID token validation (idp/). */
  identityProviders: IdentityProviders;
  /** How OTP codes leave the server: the gateway and SMTP senders (senders/). */
  otpTransports: OtpTransports;
  /** The process's logger, for operational messages (a failed hook, a dev-mode OTP); never secrets in prod. */
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}
