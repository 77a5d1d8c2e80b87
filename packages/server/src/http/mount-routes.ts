import { type ErrorCode, errorCatalogue, FrontendErrorBody, ManagementErrorBody } from "@overture/protocol";
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import Type, { type TSchema } from "typebox";
import { issueNonce } from "../domain/dpop/dpop-nonce.js";
import { ApiError } from "./api-error.js";
import { apiKeyAuth } from "./middleware/api-key-auth.js";
import { answerPreflight, applyCors } from "./middleware/cors.js";
import { resolveApp } from "./middleware/resolve-app.js";
import type { AnyRouteSpec, HttpDeps, RouteTable } from "./route-spec.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route takes form-encoded bodies too (json-body-parser.ts). */
    formBody?: boolean;
    /** Metrics: the login method the route counts, or that it counts refreshes (app.ts). */
    login?: string;
    refresh?: boolean;
  }
}

export const MANAGEMENT_PREFIX = "/v2/session/apps/:appID";

export const AppParams = Type.Object({
  appID: Type.String({ maxLength: 64, description: "The application id." }),
});

const bodyErrors: ErrorCode[] = ["invalid_request", "payload_too_large", "unsupported_media_type"];

/** What differs between the two API surfaces; the mounting itself is shared. */
interface Surface {
  prefix: string;
  identify: onRequestAsyncHookHandler;
  commonErrors: ErrorCode[];
  errorSchema: TSchema;
  security?: Record<string, string[]>[];
  defaultParams?: TSchema;
  cors: boolean;
}

/** Mounts the Management route table under its prefix, behind API-key authentication. */
export function mountManagementRoutes(app: FastifyInstance, table: RouteTable, deps: HttpDeps): void {
  mountRoutes(app, table, deps, {
    prefix: MANAGEMENT_PREFIX,
    identify: apiKeyAuth(deps),
    commonErrors: ["unauthorized", "app_not_found", "internal"],
    errorSchema: ManagementErrorBody,
    security: [{ apiKey: [] }],
    defaultParams: AppParams,
    cors: false,
  });
}

/** Mounts the Frontend route table; each request's app comes from its Host; CORS for browsers. */
export function mountFrontendRoutes(app: FastifyInstance, table: RouteTable, deps: HttpDeps) {
  const identify = resolveApp(deps.domain.directory, deps.config.server.publicUrl);
  mountRoutes(app, table, deps, {
    prefix: "",
    identify,
    commonErrors: ["not_found", "internal"],
    errorSchema: FrontendErrorBody,
    security: [],
    cors: true,
  });
  for (const path of new Set(table.map(([, path]) => path))) {
    app.route({
      method: "OPTIONS",
      url: path,
      schema: { hide: true },
      onRequest: identify,
      handler: (request, reply) => answerPreflight(request, reply),
    });
  }
}

const ROUTED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * A path the table serves, asked with another method, is `405 method_not_allowed` with `Allow`,
 * not a 404: the client has the right URL and the wrong verb.
 */
function mountMethodNotAllowed(app: FastifyInstance, table: RouteTable, prefix: string): void {
  const byPath = new Map<string, Set<string>>();
  for (const [method, path] of table) byPath.set(path, (byPath.get(path) ?? new Set()).add(method));
  for (const [path, methods] of byPath) {
    const others = ROUTED_METHODS.filter((m) => !methods.has(m));
    if (others.length === 0) continue;
    const allow = [...methods, ...(methods.has("GET") ? ["HEAD"] : [])].join(", ");
    app.route({
      method: others,
      url: prefix + path,
      schema: { hide: true },
      handler: async (request) => {
        throw new ApiError("method_not_allowed", `${request.method} is not allowed here; use ${allow}.`, {
          allow,
        });
      },
    });
  }
}

function mountRoutes(app: FastifyInstance, table: RouteTable, deps: HttpDeps, surface: Surface): void {
  mountMethodNotAllowed(app, table, surface.prefix);
  for (const [method, path, spec] of table) {
    const errors = new Set<ErrorCode>([
      ...surface.commonErrors,
      ...(spec.body ? bodyErrors : []),
      ...(spec.query ? (["invalid_request"] as const) : []),
      ...spec.errors,
    ]);
    const params = spec.params ?? surface.defaultParams;
    app.route({
      method,
      url: surface.prefix + path,
      schema: {
        operationId: spec.operationId,
        summary: spec.summary,
        ...(spec.description && { description: spec.description }),
        tags: [spec.tag],
        ...(surface.security && { security: surface.security }),
        ...(params && { params }),
        ...(spec.body && { body: spec.body }),
        ...(spec.query && { querystring: spec.query }),
        response: { ...successResponses(spec), ...errorResponses(errors, surface.errorSchema) },
      },
      onRequest: surface.identify,
      config: {
        ...(spec.formBody && { formBody: true }),
        ...(spec.login && { login: spec.login }),
        ...(spec.refresh && { refresh: true }),
      },
      ...(spec.bodyOptional && {
        preValidation: async (request: FastifyRequest) => {
          if (request.body === undefined) request.body = {};
        },
      }),
      ...((surface.cors || spec.dpop) && {
        onSend: async (request: FastifyRequest, reply: FastifyReply) => {
          if (surface.cors) applyCors(request, reply);
          // client-protocol.md §2.4: the SDK keeps only a nonce that arrives on the final response.
          if (spec.dpop && request.overtureApp) {
            reply.header(
              "dpop-nonce",
              issueNonce(deps.domain.secrets.dpopNonce, request.overtureApp.id, deps.domain.clock.now()),
            );
          }
        },
      }),
      handler: (request, reply) => run(spec, deps, request, reply),
    });
  }
}

async function run(spec: AnyRouteSpec, deps: HttpDeps, request: FastifyRequest, reply: FastifyReply) {
  const app = request.overtureApp;
  if (!app) throw new Error("route reached without an app");
  const result = await spec.handler({
    body: request.body as never,
    query: request.query as never,
    params: request.params as never,
    app,
    deps,
    log: request.log,
    request,
    reply,
  });
  reply.code(result.status);
  if (result.headers) reply.headers(result.headers);
  return result.status === 204 ? reply.send() : reply.send(result.body);
}

function successResponses(spec: AnyRouteSpec): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const [status, schema] of Object.entries(spec.responses)) {
    out[Number(status)] =
      schema === null ? { description: "No Content", type: "null" } : { description: "OK", ...schema };
  }
  return out;
}

/** Groups the error codes by HTTP status; each status documents which codes it carries. */
function errorResponses(codes: Iterable<ErrorCode>, schema: TSchema): Record<number, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { http } = errorCatalogue[code];
    byStatus.set(http, [...(byStatus.get(http) ?? []), code]);
  }
  const out: Record<number, unknown> = {};
  for (const [http, list] of byStatus) {
    out[http] = {
      ...schema,
      description: `Error; \`code\` is one of ${list.map((c) => `\`${c}\``).join(", ")}.`,
    };
  }
  return out;
}
