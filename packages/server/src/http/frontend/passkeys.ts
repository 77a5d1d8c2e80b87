import {
  ChallengeTokenResponse,
  MyPasskeyParams,
  MyPasskeyRename,
  MyPasskeysResponse,
  PasskeyLoginBeginRequest,
  PasskeyLoginBeginResponse,
  PasskeyLoginFinishRequest,
  PasskeyRegisterBeginRequest,
  PasskeyRegisterBeginResponse,
  PasskeyRegisterFinishRequest,
  PasskeyRegisterFinishResponse,
} from "@overture/protocol";
import { beginPasskeyLogin, finishPasskeyLogin } from "../../domain/passkeys/passkey-login.js";
import type { PasskeyRecord } from "../../domain/passkeys/passkey-repository.js";
import { deleteOwnPasskey, listUserPasskeys, renameOwnPasskey } from "../../domain/passkeys/passkeys.js";
import { beginRegistration, finishRegistration } from "../../domain/passkeys/register-passkey.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";
import { requireBearerAndDpop } from "./bearer-auth.js";
import { tokenIssuer } from "./client-request.js";

const manage = "Passkey management";
const login = "Passkey login";
const DPOP_ERRORS = [
  "unauthorized",
  "missing_dpop_proof",
  "invalid_dpop_proof",
  "use_dpop_nonce",
  "dpop_key_mismatch",
] as const;

const seconds = (ms: number) => Math.floor(ms / 1000);

/** One of the caller's passkeys as §4.10 lists it: Unix seconds, no key material. */
const myPasskey = (p: PasskeyRecord) => ({
  id: p.id,
  credential_id: p.credentialId,
  ...(p.nickname !== null && { nickname: p.nickname }),
  transports: p.transports,
  backup_eligible: p.backupEligible,
  backup_state: p.backupState,
  created_at: seconds(p.createdAt),
  last_used_at: p.lastUsedAt === null ? null : seconds(p.lastUsedAt),
});

export const registerBegin = defineRoute({
  operationId: "beginPasskeyRegistration",
  summary: "Start registering a passkey",
  description:
    "Bearer and a session DPoP proof. Needs `prld:passkey:write` on the access token (from step-up or a " +
    "login config); a successful /finish uses it up. Answers creation options for " +
    "`navigator.credentials.create` and the `registration_token` to send to /finish (docs/passkeys.md).",
  tag: manage,
  body: PasskeyRegisterBeginRequest,
  bodyOptional: true,
  dpop: true,
  responses: { 200: PasskeyRegisterBeginResponse },
  errors: [...DPOP_ERRORS, "bad_request", "insufficient_scope", "not_configured", "rate_limited"],
  handler: async ({ app, body, deps, request }) => {
    const caller = await requireBearerAndDpop(deps, app, request);
    const begun = await beginRegistration(
      deps.domain,
      app,
      caller,
      {
        ...(body?.username !== undefined && { username: body.username }),
        ...(body?.display_name !== undefined && { displayName: body.display_name }),
        ...(body?.nickname !== undefined && { nickname: body.nickname }),
      },
      tokenIssuer(request),
    );
    if (!begun.ok) fail(begun);
    return {
      status: 200,
      body: { public_key: begun.publicKey, registration_token: begun.registrationToken },
    };
  },
});

export const registerFinish = defineRoute({
  operationId: "finishPasskeyRegistration",
  summary: "Finish registering a passkey",
  description:
    "The attestation `navigator.credentials.create` answered, verified against the registration's " +
    "challenge, origin, RP ID and user verification. Stores the passkey, uses up `prld:passkey:write` and " +
    "records `user.passkey.created`. Sending the caller's own registered credential again answers it " +
    "with `already_registered: true`; another user's is `already_registered` (409).",
  tag: manage,
  body: PasskeyRegisterFinishRequest,
  dpop: true,
  responses: { 200: PasskeyRegisterFinishResponse },
  errors: [
    ...DPOP_ERRORS,
    "bad_request",
    "invalid_passkey",
    "invalid_challenge_token",
    "expired_challenge_token",
    "token_reused",
    "already_registered",
    "insufficient_scope",
    "not_configured",
    "rate_limited",
  ],
  handler: async ({ app, body, deps, request }) => {
    const caller = await requireBearerAndDpop(deps, app, request);
    const finished = await finishRegistration(deps.domain, app, caller, {
      registrationToken: body.registration_token,
      attestation: body.attestation,
    });
    if (!finished.ok) fail(finished);
    return {
      status: 200,
      body: { credential: myPasskey(finished.passkey), already_registered: finished.alreadyRegistered },
    };
  },
});

export const list = defineRoute({
  operationId: "listPasskeys",
  summary: "The caller's passkeys",
  description: "Oldest first. Times are Unix seconds (prelude-api.md §2.4).",
  tag: manage,
  dpop: true,
  responses: { 200: MyPasskeysResponse },
  errors: [...DPOP_ERRORS],
  handler: async ({ app, deps, request }) => {
    const caller = await requireBearerAndDpop(deps, app, request);
    const listed = await listUserPasskeys(deps.domain, app.id, caller.userId);
    if (!listed.ok) fail(listed);
    return { status: 200, body: { credentials: listed.passkeys.map(myPasskey) } };
  },
});

export const rename = defineRoute({
  operationId: "renamePasskey",
  summary: "Rename one of the caller's passkeys",
  description:
    "`{id}` is the `credential_id` the list shows (or the `pkc_…` id); the empty nickname clears it.",
  tag: manage,
  params: MyPasskeyParams,
  body: MyPasskeyRename,
  dpop: true,
  responses: { 204: null },
  errors: [...DPOP_ERRORS, "bad_request", "not_found"],
  handler: async ({ app, body, deps, params, request }) => {
    const caller = await requireBearerAndDpop(deps, app, request);
    const renamed = await renameOwnPasskey(deps.domain, app.id, caller.userId, params.id, body.nickname);
    if (!renamed.ok) fail(renamed);
    return { status: 204 };
  },
});

export const remove = defineRoute({
  operationId: "deletePasskey",
  summary: "Delete one of the caller's passkeys",
  description: "It stops working at once; records `user.passkey.deleted`.",
  tag: manage,
  params: MyPasskeyParams,
  dpop: true,
  responses: { 204: null },
  errors: [...DPOP_ERRORS, "not_found"],
  handler: async ({ app, deps, params, request }) => {
    const caller = await requireBearerAndDpop(deps, app, request);
    const deleted = await deleteOwnPasskey(deps.domain, app.id, caller.userId, params.id);
    if (!deleted.ok) fail(deleted);
    return { status: 204 };
  },
});

export const loginBegin = defineRoute({
  operationId: "beginPasskeyLogin",
  summary: "Start a passkey sign-in",
  description:
    "Needs the passkey config's `login_enabled`. Answers request options with no `allowCredentials` " +
    "(the authenticator offers its discoverable passkeys) and the `login_token` for /finish. With " +
    "`code_challenge`, finalize needs its verifier.",
  tag: login,
  body: PasskeyLoginBeginRequest,
  bodyOptional: true,
  responses: { 200: PasskeyLoginBeginResponse },
  errors: ["bad_request", "not_configured", "rate_limited"],
  handler: async ({ app, body, deps, request }) => {
    const begun = await beginPasskeyLogin(deps.domain, app, {
      ip: request.ip,
      issuer: tokenIssuer(request),
      ...(body?.code_challenge !== undefined && { codeChallenge: body.code_challenge }),
    });
    if (!begun.ok) fail(begun);
    return { status: 200, body: { public_key: begun.publicKey, login_token: begun.loginToken } };
  },
});

export const loginFinish = defineRoute({
  operationId: "finishPasskeyLogin",
  summary: "Finish a passkey sign-in",
  description:
    "The assertion `navigator.credentials.get` answered. Answers a challenge token for /login/finalize, " +
    "whose session gets the passkey config's `granted_scopes`.",
  tag: login,
  body: PasskeyLoginFinishRequest,
  responses: { 200: ChallengeTokenResponse },
  errors: [
    "bad_request",
    "invalid_passkey",
    "passkey_clone_detected",
    "invalid_challenge_token",
    "expired_challenge_token",
    "token_reused",
    "suspended_account",
    "not_configured",
    "rate_limited",
  ],
  login: "passkey",
  handler: async ({ app, body, deps, log, request }) => {
    const finished = await finishPasskeyLogin({ ...deps.domain, log }, app, {
      ip: request.ip,
      issuer: tokenIssuer(request),
      loginToken: body.login_token,
      assertion: body.assertion,
    });
    if (!finished.ok) fail(finished);
    return { status: 200, body: { challenge_token: finished.challengeToken } };
  },
});
