import { PasskeyListResponse, UserIdParams, UserPasskeyParams } from "@overture/protocol";
import type { PasskeyRecord } from "../../domain/passkeys/passkey-repository.js";
import { deleteUserPasskey, listUserPasskeys } from "../../domain/passkeys/passkeys.js";
import { isoTime } from "../../domain/shared/clock.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Users";

/** A passkey as answered: its public facts, never its key. */
const presentPasskey = (p: PasskeyRecord) => ({
  id: p.id,
  credential_id: p.credentialId,
  nickname: p.nickname,
  transports: p.transports,
  backup_eligible: p.backupEligible,
  backup_state: p.backupState,
  aaguid: p.aaguid,
  rp_id: p.rpId,
  created_at: isoTime(p.createdAt),
  last_used_at: p.lastUsedAt === null ? null : isoTime(p.lastUsedAt),
});

export const listPasskeys = defineRoute({
  operationId: "listUserPasskeys",
  summary: "List a user's passkeys",
  description: "Oldest first; public facts only (docs/passkeys.md).",
  tag,
  params: UserIdParams,
  responses: { 200: PasskeyListResponse },
  errors: ["user_not_found"],
  handler: async ({ app, params, deps }) => {
    const listed = await listUserPasskeys(deps.domain, app.id, params.userID);
    if (!listed.ok) fail(listed);
    return { status: 200, body: { credentials: listed.passkeys.map(presentPasskey) } };
  },
});

export const deletePasskey = defineRoute({
  operationId: "deleteUserPasskey",
  summary: "Delete one of a user's passkeys",
  description: "It stops working at once; records `user.passkey.deleted`.",
  tag,
  params: UserPasskeyParams,
  responses: { 204: null },
  errors: ["user_not_found", "not_found"],
  handler: async ({ app, params, deps }) => {
    const deleted = await deleteUserPasskey(deps.domain, app.id, params.userID, params.passkeyID);
    if (!deleted.ok) fail(deleted);
    return { status: 204 };
  },
});
