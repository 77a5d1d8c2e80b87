import { ClaimsConfigResponse, ClaimsMappingRequest } from "@overture/protocol";
import {
  type ClaimsConfigValue,
  createClaimsConfig,
  deleteClaimsConfig,
  getClaimsConfig,
  replaceClaimsConfig,
} from "../../domain/claims/claims-config.js";
import { isoTime } from "../../domain/shared/clock.js";
import { singleConfigRoutes } from "./single-config-routes.js";

export const claimsConfigRoutes = singleConfigRoutes<ClaimsConfigValue, ClaimsMappingRequest>({
  config: {
    create: (deps, app, input) => createClaimsConfig(deps, app.id, input.mapping),
    get: (deps, app) => getClaimsConfig(deps, app.id),
    replace: (deps, app, input) => replaceClaimsConfig(deps, app.id, input.mapping),
    remove: (deps, app) => deleteClaimsConfig(deps, app.id),
  },
  tag: "Config - Claims",
  request: ClaimsMappingRequest,
  response: ClaimsConfigResponse,
  present: (c) => ({
    config: {
      mapping: c.value.mapping,
      version: c.value.version,
      created_at: isoTime(c.createdAt),
      updated_at: isoTime(c.updatedAt),
    },
  }),
  create: {
    operationId: "createClaimsMapping",
    summary: "Create the claims mapping",
    description:
      "What every access token of the app carries besides its registered claims: constants, built-in " +
      "inputs (`$input`/`$type`), profile fields (`$custom_claim`) and nested objects of these, at the " +
      "token's top level. Checked when written, with the offending path in the message; applied at " +
      "every login and refresh. One per app; a second is a 409 `conflict` (docs/scopes-and-claims.md).",
  },
  get: { operationId: "getClaimsMapping", summary: "Get the claims mapping" },
  update: {
    operationId: "updateClaimsMapping",
    summary: "Replace the claims mapping",
    description: "`version` goes up by one. Sessions pick the new mapping up at their next refresh.",
  },
  remove: {
    operationId: "deleteClaimsMapping",
    summary: "Delete the claims mapping",
    description: "Tokens minted afterwards carry no mapped claims.",
  },
});
