import * as jwks from "./frontend/jwks.js";
import type { RouteTable } from "./route-spec.js";

/** The Frontend API: the app comes from the Host header; browsers call it cross-origin (CORS). */
export const frontendRoutes: RouteTable = [["GET", "/.well-known/jwks.json", jwks.getJwks]] as const;
