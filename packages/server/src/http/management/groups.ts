import {
  CreateGroupRequest,
  Group,
  GroupParams,
  GroupsResponse,
  SetGroupScopesRequest,
} from "@overture/protocol";
import type { Static } from "typebox";
import {
  createGroup as create,
  getGroup as get,
  listGroups as list,
  deleteGroup as remove,
  setGroupScopes as setScopes,
} from "../../domain/scopes/groups.js";
import type { GroupRecord } from "../../domain/scopes/scope-repository.js";
import { isoTime } from "../../domain/shared/clock.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Config - Groups";

const present = (g: GroupRecord): Static<typeof Group> => ({
  name: g.name,
  scopes: g.scopes,
  created_at: isoTime(g.createdAt),
  updated_at: isoTime(g.updatedAt),
});

export const listGroups = defineRoute({
  operationId: "listGroups",
  summary: "List the groups",
  tag,
  responses: { 200: GroupsResponse },
  errors: [],
  handler: async ({ app, deps }) => ({
    status: 200,
    body: { groups: (await list(deps.domain, app.id)).map(present) },
  }),
});

export const createGroup = defineRoute({
  operationId: "createGroup",
  summary: "Create a group",
  description:
    "A named set of allowed scopes. Members get them in every token of a session started while " +
    "they were in the group; a change of the group's scopes reaches those sessions at their next " +
    "refresh. A name already taken is a 409 `conflict`. At most 100 groups per app.",
  tag,
  body: CreateGroupRequest,
  responses: { 201: Group },
  errors: ["invalid_request", "conflict"],
  handler: async ({ app, body, deps }) => {
    const created = await create(deps.domain, app.id, body);
    if (!created.ok) fail(created);
    return { status: 201, body: present(created.group) };
  },
});

export const getGroup = defineRoute({
  operationId: "getGroup",
  summary: "Get a group",
  tag,
  params: GroupParams,
  responses: { 200: Group },
  errors: ["group_not_found"],
  handler: async ({ app, params, deps }) => {
    const found = await get(deps.domain, app.id, params.groupName);
    if (!found.ok) fail(found);
    return { status: 200, body: present(found.group) };
  },
});

export const setGroupScopes = defineRoute({
  operationId: "setGroupScopes",
  summary: "Replace a group's scopes",
  description: "Tokens minted afterwards for sessions in the group carry the new scopes.",
  tag,
  params: GroupParams,
  body: SetGroupScopesRequest,
  responses: { 200: Group },
  errors: ["group_not_found", "invalid_request"],
  handler: async ({ app, params, body, deps }) => {
    const replaced = await setScopes(deps.domain, app.id, params.groupName, body.scopes);
    if (!replaced.ok) fail(replaced);
    return { status: 200, body: present(replaced.group) };
  },
});

export const deleteGroup = defineRoute({
  operationId: "deleteGroup",
  summary: "Delete a group",
  description:
    "Its members leave it (each with `user.updated`), and its sessions lose its scopes at their next refresh.",
  tag,
  params: GroupParams,
  responses: { 204: null },
  errors: ["group_not_found"],
  handler: async ({ app, params, deps }) => {
    const removed = await remove(deps.domain, app.id, params.groupName);
    if (!removed.ok) fail(removed);
    return { status: 204 };
  },
});
