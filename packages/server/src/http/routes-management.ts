import { claimsConfigRoutes } from "./management/claims-config.js";
import { previewClaimsMapping } from "./management/claims-preview.js";
import * as domains from "./management/domains.js";
import * as groups from "./management/groups.js";
import * as keys from "./management/keys.js";
import { migrationConfigRoutes } from "./management/migration-config.js";
import { getMigrationOverview } from "./management/migration-overview.js";
import * as mode from "./management/mode.js";
import * as oauth from "./management/oauth-config.js";
import * as otpConfig from "./management/otp-config.js";
import { passkeyConfigRoutes } from "./management/passkey-config.js";
import { passwordConfigRoutes } from "./management/password-config.js";
import * as scopes from "./management/scopes.js";
import * as sessionConfig from "./management/session-config.js";
import * as sessions from "./management/sessions.js";
import { stepUpConfigRoutes } from "./management/step-up-config.js";
import * as tokens from "./management/tokens.js";
import * as grants from "./management/user-grants.js";
import * as identifiers from "./management/user-identifiers.js";
import * as passkeys from "./management/user-passkeys.js";
import * as users from "./management/users.js";
import * as webhooks from "./management/webhooks.js";
import type { RouteTable } from "./route-spec.js";

/** The Management API, under /v2/session/apps/{appID}, API key required. */
export const managementRoutes: RouteTable = [
  ["GET", "/mode", mode.getMode],
  ["PUT", "/mode", mode.updateMode],

  ["POST", "/tokens", tokens.mintToken],
  ["GET", "/keys", keys.listKeys],

  ["GET", "/dev/messages", otpConfig.listDevMessages],

  ["POST", "/domains", domains.createDomain],
  ["GET", "/domains", domains.listDomains],
  ["GET", "/domains/:domainID", domains.getDomain],
  ["DELETE", "/domains/:domainID", domains.deleteDomain],
  ["POST", "/domains/:domainID/verify", domains.verifyDomain],

  ["POST", "/webhooks", webhooks.createWebhook],
  ["GET", "/webhooks", webhooks.listWebhooks],
  ["GET", "/webhooks/:webhookID", webhooks.getWebhook],
  ["DELETE", "/webhooks/:webhookID", webhooks.deleteWebhook],
  ["POST", "/webhooks/:webhookID/activate", webhooks.activate],
  ["POST", "/webhooks/:webhookID/deactivate", webhooks.deactivate],
  ["POST", "/webhooks/:webhookID/events", webhooks.addEvent],
  ["DELETE", "/webhooks/:webhookID/events/:event", webhooks.removeEvent],
  ["GET", "/webhooks/:webhookID/deliveries", webhooks.deliveries],
  ["POST", "/webhooks/:webhookID/deliveries/:eventID/redeliver", webhooks.redeliverDelivery],
  ["POST", "/webhooks/:webhookID/redeliver", webhooks.redeliver],

  ["POST", "/config/login/otp", otpConfig.createOtpConfig],
  ["GET", "/config/login/otp", otpConfig.listOtpConfigs],
  ["PUT", "/config/login/otp/:loginConfigID", otpConfig.updateOtpConfig],
  ["DELETE", "/config/login/otp/:loginConfigID", otpConfig.deleteOtpConfig],

  ["GET", "/config/login/oauth", oauth.listOAuthProviders],
  ["POST", "/config/login/oauth/:provider", oauth.createOAuthProvider],
  ["PUT", "/config/login/oauth/:provider", oauth.updateOAuthProvider],
  ["DELETE", "/config/login/oauth/:provider", oauth.deleteOAuthProvider],

  ["GET", "/config/session", sessionConfig.getSessionConfig],
  ["PUT", "/config/session", sessionConfig.updateSessionConfig],

  ["POST", "/config/login/password", passwordConfigRoutes.create],
  ["GET", "/config/login/password", passwordConfigRoutes.get],
  ["PUT", "/config/login/password", passwordConfigRoutes.update],
  ["DELETE", "/config/login/password", passwordConfigRoutes.remove],

  ["GET", "/config/scopes", scopes.listScopes],
  ["POST", "/config/scopes", scopes.createScope],
  ["DELETE", "/config/scopes", scopes.deleteScope],

  ["GET", "/config/groups", groups.listGroups],
  ["POST", "/config/groups", groups.createGroup],
  ["GET", "/config/groups/:groupName", groups.getGroup],
  ["PUT", "/config/groups/:groupName", groups.setGroupScopes],
  ["DELETE", "/config/groups/:groupName", groups.deleteGroup],

  ["POST", "/config/claims", claimsConfigRoutes.create],
  ["GET", "/config/claims", claimsConfigRoutes.get],
  ["PUT", "/config/claims", claimsConfigRoutes.update],
  ["DELETE", "/config/claims", claimsConfigRoutes.remove],
  ["POST", "/config/claims/preview", previewClaimsMapping],

  ["POST", "/config/stepup", stepUpConfigRoutes.create],
  ["GET", "/config/stepup", stepUpConfigRoutes.get],
  ["PUT", "/config/stepup", stepUpConfigRoutes.update],
  ["DELETE", "/config/stepup", stepUpConfigRoutes.remove],

  ["PUT", "/config/passkey", passkeyConfigRoutes.put],
  ["GET", "/config/passkey", passkeyConfigRoutes.get],
  ["DELETE", "/config/passkey", passkeyConfigRoutes.remove],

  ["POST", "/config/migration", migrationConfigRoutes.create],
  ["GET", "/config/migration", migrationConfigRoutes.get],
  ["PUT", "/config/migration", migrationConfigRoutes.update],
  ["DELETE", "/config/migration", migrationConfigRoutes.remove],
  ["GET", "/migration/overview", getMigrationOverview],

  ["POST", "/users", users.createUser],
  ["GET", "/users", users.listUsers],
  ["POST", "/users/batch_lookup", users.batchLookup],
  ["GET", "/users/:userID", users.getUser],
  ["DELETE", "/users/:userID", users.deleteUser],
  ["PATCH", "/users/:userID/profile", users.updateProfile],
  ["PUT", "/users/:userID/external_id", users.updateExternalId],
  ["PUT", "/users/:userID/status", users.updateStatus],
  ["PUT", "/users/:userID/password", users.updatePassword],
  ["POST", "/users/:userID/identifiers", identifiers.createIdentifier],
  ["DELETE", "/users/:userID/identifiers", identifiers.deleteIdentifier],
  ["GET", "/users/:userID/passkeys", passkeys.listPasskeys],
  ["DELETE", "/users/:userID/passkeys/:passkeyID", passkeys.deletePasskey],
  ["POST", "/users/:userID/scopes", grants.addUserScope],
  ["DELETE", "/users/:userID/scopes/:scope", grants.removeUserScope],
  ["POST", "/users/:userID/groups", grants.addUserToGroup],
  ["DELETE", "/users/:userID/groups/:groupName", grants.removeUserFromGroup],
  ["GET", "/users/:userID/sessions", sessions.listSessions],
  ["DELETE", "/users/:userID/sessions/:sessionID", sessions.deleteSession],
  ["POST", "/users/:userID/sessions/invalidate", sessions.invalidateSessions],
] as const;
