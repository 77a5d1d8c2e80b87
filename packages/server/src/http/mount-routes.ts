import { type ErrorCode, errorCatalogue, ManagementErrorBody } from "@overture/protocol";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import Type, { type TSchema } from "typebox";
import { apiKeyAuth } from "./middleware/api-key-auth.js";
import type { AnyRouteSpec, HttpDeps, RouteTable } from "./route-spec.js";

export const MANAGEMENT_PREFIX = "/v2/session/apps/:appID";

export const AppParams = Type.Object({
  appID: Type.String({ maxLength: 64, description: "The application id." }),
});

/** Every Management route may answer these, whatever it does. */
const managementCommonErrors: ErrorCode[] = ["unauthorized", "app_not_found", "internal"];
const bodyErrors: ErrorCode[] = ["invalid_request", "payload_too_large", "unsupported_media_type"];

/** Mounts the Management route table under its prefix, behind API-key authentication. */
export function mountManagementRoutes(app: FastifyInstance, table: RouteTable, deps: HttpDeps): void {
  const authenticate = apiKeyAuth(deps);
  for (const [method, path, spec] of table) {
    const errors = new Set<ErrorCode>([
      ...managementCommonErrors,
      ...(spec.body ? bodyErrors : []),
      ...(spec.query ? (["invalid_request"] as const) : []),
      ...spec.errors,
    ]);
    app.route({
      method,
      url: MANAGEMENT_PREFIX + path,
      schema: {
        operationId: spec.operationId,
        summary: spec.summary,
        ...(spec.description && { description: spec.description }),
        tags: [spec.tag],
        security: [{ apiKey: [] }],
        params: spec.params ?? AppParams,
        ...(spec.body && { body: spec.body }),
        ...(spec.query && { querystring: spec.query }),
        response: { ...successResponses(spec), ...errorResponses(errors) },
      },
      onRequest: authenticate,
      handler: (request, reply) => run(spec, deps, request, reply),
    });
  }
}

async function run(spec: AnyRouteSpec, deps: HttpDeps, request: FastifyRequest, reply: FastifyReply) {
  const app = request.overtureApp;
  if (!app) throw new Error("route reached without an authenticated app");
  const result = await spec.handler({
    body: request.body as never,
    query: request.query as never,
    params: request.params as never,
    app,
    deps,
    log: request.log,
    reply,
  });
  reply.code(result.status);
  return result.status === 204 ? reply.send() : reply.send(result.body);
}

function successResponses(spec: AnyRouteSpec): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const [status, schema] of Object.entries(spec.responses)) {
    out[Number(status)] =
      schema === null ? { description: "No Content", type: "null" } : withDescription(schema);
  }
  return out;
}

function withDescription(schema: TSchema) {
  return { description: "OK", ...schema };
}

/** Groups the error codes by HTTP status; each status documents which codes it carries. */
function errorResponses(codes: Iterable<ErrorCode>): Record<number, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { http } = errorCatalogue[code];
    byStatus.set(http, [...(byStatus.get(http) ?? []), code]);
  }
  const out: Record<number, unknown> = {};
  for (const [http, list] of byStatus) {
    out[http] = {
      ...ManagementErrorBody,
      description: `Error; \`code\` is one of ${list.map((c) => `\`${c}\``).join(", ")}.`,
    };
  }
  return out;
}
