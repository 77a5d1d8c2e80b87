import { IdentifierRequest, MessageResponse, UserIdParams, UserResponse } from "@overture/protocol";
import { addIdentifier, removeIdentifier } from "../../domain/identity/user-identifiers.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";
import { presentUser } from "./present-user.js";

const tag = "Users";

export const createIdentifier = defineRoute({
  operationId: "createUserIdentifier",
  summary: "Add an identifier to a user",
  description: "An identifier that already belongs to a user of the app, this one included, is a 409.",
  tag,
  params: UserIdParams,
  body: IdentifierRequest,
  responses: { 201: UserResponse },
  errors: ["user_not_found", "invalid_identifier", "identifier_already_exists"],
  handler: async ({ app, params, body, deps }) => {
    const result = await addIdentifier(deps.domain, app.id, params.userID, body.identifier);
    if (!result.ok) fail(result);
    return { status: 201, body: { user: presentUser(result.user) } };
  },
});

export const deleteIdentifier = defineRoute({
  operationId: "deleteUserIdentifier",
  summary: "Remove an identifier from a user",
  tag,
  params: UserIdParams,
  body: IdentifierRequest,
  responses: { 200: MessageResponse },
  errors: ["user_not_found", "invalid_identifier", "identifier_not_found"],
  handler: async ({ app, params, body, deps }) => {
    const result = await removeIdentifier(deps.domain, app.id, params.userID, body.identifier);
    if (!result.ok) fail(result);
    return { status: 200, body: { message: "The identifier was removed." } };
  },
});
