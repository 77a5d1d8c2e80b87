import {
  BatchLookupRequest,
  CreateUserRequest,
  CreateUserResponse,
  ListUsersQuery,
  ListUsersResponse,
  SetPasswordRequest,
  UpdateExternalIdRequest,
  UpdateStatusRequest,
  UserIdParams,
  UserResponse,
  UsersResponse,
} from "@overture/protocol";
import Type from "typebox";
import { createUser as create } from "../../domain/identity/create-user.js";
import { batchLookupUsers, getUser as get, listUsers as list } from "../../domain/identity/find-users.js";
import {
  updateProfile as patchProfile,
  deleteUser as remove,
  updateExternalId as setExternalId,
  setPassword,
  updateStatus as setStatus,
} from "../../domain/identity/update-user.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";
import { presentUser } from "./present-user.js";

const tag = "Users";

export const createUser = defineRoute({
  operationId: "createUser",
  summary: "Create a user",
  description:
    "Identifiers are normalised (emails trimmed and lower-cased, phones to E.164). A taken external_id " +
    "and a taken identifier answer distinct 409 codes, so a backfill can tell them apart. `password_hash` " +
    "imports a hash from another system (docs/passwords.md); it is verified and re-hashed at the first login.",
  tag,
  body: CreateUserRequest,
  responses: { 201: CreateUserResponse },
  errors: [
    "invalid_request",
    "invalid_identifier",
    "invalid_password",
    "external_id_already_exists",
    "identifier_already_exists",
  ],
  handler: async ({ app, body, deps }) => {
    const result = await create(deps.domain, app.id, {
      ...(body.external_id !== undefined && { externalId: body.external_id }),
      ...(body.identifiers && { identifiers: body.identifiers }),
      ...(body.profile && { profile: body.profile }),
      ...(body.password !== undefined && { password: body.password }),
      ...(body.password_hash && { passwordHash: body.password_hash }),
    });
    if (!result.ok) fail(result);
    return { status: 201, body: { id: result.user.id, user: presentUser(result.user) } };
  },
});

export const listUsers = defineRoute({
  operationId: "listUsers",
  summary: "List users",
  description:
    "Filters: `external_id`, or `identifier_type` with `identifier_value`. Pages in a stable order; " +
    "pass `next_cursor` back as `cursor` for the next page.",
  tag,
  query: ListUsersQuery,
  responses: { 200: ListUsersResponse },
  errors: ["invalid_identifier"],
  handler: async ({ app, query, deps }) => {
    const result = await list(deps.domain, app.id, {
      ...(query.external_id !== undefined && { externalId: query.external_id }),
      ...(query.identifier_type !== undefined && { identifierType: query.identifier_type }),
      ...(query.identifier_value !== undefined && { identifierValue: query.identifier_value }),
      ...(query.limit !== undefined && { limit: query.limit }),
      ...(query.cursor !== undefined && { cursor: query.cursor }),
    });
    if (!result.ok) fail(result);
    return { status: 200, body: { users: result.users.map(presentUser), next_cursor: result.nextCursor } };
  },
});

export const batchLookup = defineRoute({
  operationId: "batchLookupUsers",
  summary: "Look up users by external ids, emails and OAuth identities",
  description:
    "At most 100 of each; at least one list must be non-empty. OAuth identities are `<provider>:<provider user id>` (docs/users.md).",
  tag,
  body: BatchLookupRequest,
  responses: { 200: UsersResponse },
  errors: ["invalid_identifier"],
  handler: async ({ app, body, deps }) => {
    const result = await batchLookupUsers(deps.domain, app.id, {
      ...(body.external_ids && { externalIds: body.external_ids }),
      ...(body.emails && { emails: body.emails }),
      ...(body.oauth_identities && { oauthIdentities: body.oauth_identities }),
    });
    if (!result.ok) fail(result);
    return { status: 200, body: { users: result.users.map(presentUser) } };
  },
});

export const getUser = defineRoute({
  operationId: "getUser",
  summary: "Get a user",
  tag,
  params: UserIdParams,
  responses: { 200: UserResponse },
  errors: ["user_not_found"],
  handler: async ({ app, params, deps }) => {
    const result = await get(deps.domain, app.id, params.userID);
    if (!result.ok) fail(result);
    return { status: 200, body: { user: presentUser(result.user) } };
  },
});

export const deleteUser = defineRoute({
  operationId: "deleteUser",
  summary: "Delete a user",
  description: "Deletes the user and its identifiers, and records `user.deleted`.",
  tag,
  params: UserIdParams,
  responses: { 204: null },
  errors: ["user_not_found"],
  handler: async ({ app, params, deps }) => {
    const result = await remove(deps.domain, app.id, params.userID);
    if (!result.ok) fail(result);
    return { status: 204 };
  },
});

export const updateProfile = defineRoute({
  operationId: "updateUserProfile",
  summary: "Merge into a user's profile",
  description:
    "JSON merge patch (RFC 7396): given keys replace existing ones, nested objects merge, and a key " +
    "set to `null` is removed. Records `user.profile.updated` when the profile changed.",
  tag,
  params: UserIdParams,
  body: Type.Record(Type.String(), Type.Unknown(), { description: "Keys to set; `null` removes a key." }),
  responses: { 204: null },
  errors: ["user_not_found"],
  handler: async ({ app, params, body, deps }) => {
    const result = await patchProfile(deps.domain, app.id, params.userID, body);
    if (!result.ok) fail(result);
    return { status: 204 };
  },
});

export const updateExternalId = defineRoute({
  operationId: "updateUserExternalId",
  summary: "Set a user's external id",
  tag,
  params: UserIdParams,
  body: UpdateExternalIdRequest,
  responses: { 204: null },
  errors: ["user_not_found", "external_id_already_exists"],
  handler: async ({ app, params, body, deps }) => {
    const result = await setExternalId(deps.domain, app.id, params.userID, body.external_id);
    if (!result.ok) fail(result);
    return { status: 204 };
  },
});

export const updateStatus = defineRoute({
  operationId: "updateUserStatus",
  summary: "Set a user's status",
  description: "`active` or `disabled`. A disabled user cannot sign in.",
  tag,
  params: UserIdParams,
  body: UpdateStatusRequest,
  responses: { 200: UserResponse },
  errors: ["user_not_found"],
  handler: async ({ app, params, body, deps }) => {
    const result = await setStatus(deps.domain, app.id, params.userID, body.status);
    if (!result.ok) fail(result);
    return { status: 200, body: { user: presentUser(result.user) } };
  },
});

export const updatePassword = defineRoute({
  operationId: "setUserPassword",
  summary: "Set a user's password",
  description:
    "Hashed with argon2id; must meet the password policy (docs/users.md). Ends the user's sessions " +
    "unless `revoke_sessions` is false.",
  tag,
  params: UserIdParams,
  body: SetPasswordRequest,
  responses: { 204: null },
  errors: ["user_not_found", "invalid_password"],
  handler: async ({ app, params, body, deps }) => {
    const result = await setPassword(deps.domain, app.id, params.userID, body.password, {
      ...(body.revoke_sessions !== undefined && { revokeSessions: body.revoke_sessions }),
    });
    if (!result.ok) fail(result);
    return { status: 204 };
  },
});
