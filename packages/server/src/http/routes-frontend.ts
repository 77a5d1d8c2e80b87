import * as jwks from "./frontend/jwks.js";
import * as tokens from "./frontend/session-tokens.js";
import type { RouteTable } from "./route-spec.js";

/** The Frontend API: the app comes from the Host header; browsers call it cross-origin (CORS). */
export const frontendRoutes: RouteTable = [
  ["GET", "/.well-known/jwks.json", jwks.getJwks],

  ["POST", "/v1/session/login/finalize", tokens.finalize],
  ["POST", "/v1/session/refresh", tokens.refresh],
  ["POST", "/v1/session/revoke", tokens.revoke],
] as const;
