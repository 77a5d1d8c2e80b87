import type { PasswordCompliancy, PasswordConfigRequest, RateLimitRule } from "@overture/protocol";
import { singleConfig } from "../apps/single-config.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { DEFAULT_PASSWORD_COMPLIANCY } from "./password-policy.js";

export const PASSWORD_CONFIG = "login_password";

export interface PasswordConfigValue {
  hash_method: "argon2id";
  enabled: boolean;
  rate_limit_login_ip: RateLimitRule;
  rate_limit_login_identifier: RateLimitRule;
  password_compliancy: PasswordCompliancy;
}

const TEN_MINUTES_NS = 600_000_000_000;

/** Fields a request leaves out take these values (docs/passwords.md). */
export const PASSWORD_CONFIG_DEFAULTS: PasswordConfigValue = {
  hash_method: "argon2id",
  enabled: true,
  rate_limit_login_ip: { ttl: TEN_MINUTES_NS, limit: 100 },
  rate_limit_login_identifier: { ttl: TEN_MINUTES_NS, limit: 10 },
  password_compliancy: DEFAULT_PASSWORD_COMPLIANCY,
};

function completePasswordConfig(
  request: PasswordConfigRequest,
): { ok: true; value: PasswordConfigValue } | { ok: false; message: string } {
  const value = { ...PASSWORD_CONFIG_DEFAULTS, ...request };
  const c = value.password_compliancy;
  if (c.max_length > 0 && c.max_length < c.min_length) {
    return { ok: false, message: "password_compliancy.max_length is below min_length." };
  }
  if (c.max_length > 0 && c.uppercase + c.lowercase + c.numbers + c.symbols > c.max_length) {
    return { ok: false, message: "password_compliancy asks for more characters than max_length allows." };
  }
  return { ok: true, value };
}

/** The app's password login config: one document, managed like every single config. */
export const passwordConfig = singleConfig<PasswordConfigValue, PasswordConfigRequest>({
  kind: PASSWORD_CONFIG,
  label: "password login",
  complete: (_app, request) => completePasswordConfig(request),
});

/** The rules new passwords must meet in this app: its config's, or the default policy. */
export async function passwordRules(
  deps: Pick<DomainDeps, "store">,
  appId: string,
): Promise<PasswordCompliancy> {
  return (await passwordConfig.read(deps, appId))?.value.password_compliancy ?? DEFAULT_PASSWORD_COMPLIANCY;
}
