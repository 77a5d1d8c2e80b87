import {
  ScopeRequest,
  SuccessResponse,
  UserGroupParams,
  UserGroupRequest,
  UserIdParams,
  UserScopeParams,
} from "@overture/protocol";
import {
  grantUserScope,
  addUserToGroup as joinGroup,
  removeUserFromGroup as leaveGroup,
  revokeUserScope,
} from "../../domain/scopes/user-grants.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Users";

export const addUserScope = defineRoute({
  operationId: "addUserScope",
  summary: "Grant a scope to a user",
  description:
    "An allowed scope, not a reserved `prld:` one. Idempotent. Tokens minted from then on carry it, " +
    "in the user's current sessions too (at their next refresh).",
  tag,
  params: UserIdParams,
  body: ScopeRequest,
  responses: { 200: SuccessResponse },
  errors: ["user_not_found", "invalid_request"],
  handler: async ({ app, params, body, deps }) => {
    const granted = await grantUserScope(deps.domain, app.id, params.userID, body.scope);
    if (!granted.ok) fail(granted);
    return { status: 200, body: { success: true } };
  },
});

export const removeUserScope = defineRoute({
  operationId: "removeUserScope",
  summary: "Take a scope from a user",
  description:
    "Idempotent: 204 whether or not the user held it. Tokens minted from then on no longer carry it " +
    "(unless a group or the session's login grants it).",
  tag,
  params: UserScopeParams,
  responses: { 204: null },
  errors: ["user_not_found"],
  handler: async ({ app, params, deps }) => {
    const revoked = await revokeUserScope(deps.domain, app.id, params.userID, params.scope);
    if (!revoked.ok) fail(revoked);
    return { status: 204 };
  },
});

export const addUserToGroup = defineRoute({
  operationId: "addUserToGroup",
  summary: "Add a user to a group",
  description:
    "Idempotent. Takes effect at the user's next login: a session takes its user's groups when it starts.",
  tag,
  params: UserIdParams,
  body: UserGroupRequest,
  responses: { 200: SuccessResponse },
  errors: ["user_not_found", "invalid_request"],
  handler: async ({ app, params, body, deps }) => {
    const added = await joinGroup(deps.domain, app.id, params.userID, body.group);
    if (!added.ok) fail(added);
    return { status: 200, body: { success: true } };
  },
});

export const removeUserFromGroup = defineRoute({
  operationId: "removeUserFromGroup",
  summary: "Remove a user from a group",
  description: "Idempotent: 204 whether or not the user was a member. Takes effect at the user's next login.",
  tag,
  params: UserGroupParams,
  responses: { 204: null },
  errors: ["user_not_found"],
  handler: async ({ app, params, deps }) => {
    const removed = await leaveGroup(deps.domain, app.id, params.userID, params.groupName);
    if (!removed.ok) fail(removed);
    return { status: 204 };
  },
});
