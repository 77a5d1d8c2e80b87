import { ScopeRequest, ScopesResponse } from "@overture/protocol";
import {
  addAllowedScope,
  listAllowedScopes,
  removeAllowedScope,
} from "../../domain/scopes/allowed-scopes.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Config - Scopes";

export const listScopes = defineRoute({
  operationId: "listScopes",
  summary: "List the allowed scopes",
  tag,
  responses: { 200: ScopesResponse },
  errors: [],
  handler: async ({ app, deps }) => ({
    status: 200,
    body: { scopes: await listAllowedScopes(deps.domain, app.id) },
  }),
});

export const createScope = defineRoute({
  operationId: "createScope",
  summary: "Declare an allowed scope",
  description:
    "Users, groups and login configs may only grant allowed scopes. Declaring one again changes " +
    "nothing. Of the reserved `prld:` scopes only `prld:pwd:write`, `prld:passkey:write`, " +
    "`prld:phone:register` and `prld:email:register` may be declared. At most 100 per app, 2048 " +
    "characters joined by spaces (docs/scopes-and-claims.md).",
  tag,
  body: ScopeRequest,
  responses: { 201: ScopesResponse },
  errors: ["invalid_request"],
  handler: async ({ app, body, deps }) => {
    const added = await addAllowedScope(deps.domain, app.id, body.scope);
    if (!added.ok) fail(added);
    return { status: 201, body: { scopes: added.scopes } };
  },
});

export const deleteScope = defineRoute({
  operationId: "deleteScope",
  summary: "Remove an allowed scope",
  description:
    "Refused with 409 `scope_in_use`, naming them, while a group or a login config grants it. Users " +
    "holding it lose it (each with `user.updated`), and tokens minted afterwards no longer carry it.",
  tag,
  body: ScopeRequest,
  responses: { 200: ScopesResponse },
  errors: ["scope_not_found", "scope_in_use"],
  handler: async ({ app, body, deps }) => {
    const removed = await removeAllowedScope(deps.domain, app.id, body.scope);
    if (!removed.ok) fail(removed);
    return { status: 200, body: { scopes: removed.scopes } };
  },
});
