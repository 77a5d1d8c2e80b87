import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from "fastify";
import type { Config } from "./config/config-schema.js";
import type { DomainDeps } from "./domain/shared/domain-deps.js";
import { newId } from "./domain/shared/new-id.js";
import { ApiError } from "./http/api-error.js";
import { clientErrorHandler } from "./http/client-error.js";
import { installConsole } from "./http/console.js";
import { installErrorRenderer, renderFrameworkError, surfaceOf } from "./http/error-renderer.js";
import { installJsonBodyParser } from "./http/json-body-parser.js";
import { MANAGEMENT_PREFIX, mountFrontendRoutes, mountManagementRoutes } from "./http/mount-routes.js";
import { installOpenApi } from "./http/openapi.js";
import type { HttpDeps } from "./http/route-spec.js";
import { frontendRoutes } from "./http/routes-frontend.js";
import { managementRoutes } from "./http/routes-management.js";
import { installValidatorCompiler } from "./http/validator-compiler.js";
import { createLogger, type Logger } from "./log/create-logger.js";
import type { Metrics } from "./metrics/metrics.js";
import type { Probes } from "./probes.js";
import { VERSION } from "./version.js";

export interface AppDependencies {
  config: Readonly<Config>;
  /** The domain's services (runtime.ts createDomainDeps). */
  domain: DomainDeps;
  /** Readiness over the process's database, and its draining flag (probes.ts). */
  probes: Probes;
  /** Where requests are counted; absent, they are not. */
  metrics?: Metrics;
  /** PEM certificate and key: the server then speaks HTTPS. */
  https?: { cert: Buffer; key: Buffer };
  /** The process's logger (log/create-logger.ts), shared with the domain; none when absent. */
  logger?: Logger;
}

/**
 * A hop count becomes "the n hops nearest the socket", which is what fastify does with a number;
 * spelled out because its types only admit booleans, address lists and functions.
 */
function trustedHops(trust: Config["server"]["trustProxy"]) {
  if (typeof trust !== "number") return trust;
  return (_address: string, hop: number) => hop < trust;
}

/** The request in the metrics: its route's, and a login's or refresh's outcome (docs/operations.md). */
function countRequest(
  metrics: Metrics,
  request: FastifyRequest,
  route: string | null,
  status: number,
  seconds: number,
): void {
  const template = route ?? "unmatched";
  metrics.request(surfaceOf(template), request.method, template, status, seconds);
  const code = request.overtureErrorCode;
  if (code === "rate_limited") metrics.rateLimited(template);
  const config = request.routeOptions.config;
  if (config?.login) metrics.login(config.login, request.overtureOutcome ?? code ?? "ok");
  if (config?.refresh)
    metrics.refresh(
      code === "token_reused"
        ? "reuse_detected"
        : code === "dpop_key_mismatch"
          ? "key_mismatch"
          : (code ?? request.overtureOutcome ?? "rotated"),
    );
}

/** Builds the HTTP application: both route tables, one error renderer. Does not listen. */
export async function createApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.https && { https: deps.https }),
    // pino's Logger is what fastify's FastifyBaseLogger describes, with more; typed as the latter so
    // the instance keeps fastify's default logger type.
    loggerInstance: (deps.logger ?? createLogger("silent")) as FastifyBaseLogger,
    bodyLimit: deps.config.server.bodyLimit,
    trustProxy: trustedHops(deps.config.server.trustProxy),
    genReqId: () => newId("req"),
    // One access line per request instead (below): fastify's own two log the raw URL, whose path
    // and query hold ids and identifiers.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "request_id" }),
    // Closing (a drain), requests on open connections are still answered, with `Connection:
    // close`: a 503 there would be a failed request the drain exists to avoid (main.ts).
    return503OnClosing: false,
    // main.ts closes idle connections itself, once idle a moment (http/connection-drain.ts).
    forceCloseConnections: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Below the router, the same error contract as above it (docs/errors.md).
    frameworkErrors: renderFrameworkError,
    clientErrorHandler,
  });
  const http: HttpDeps = { config: deps.config, domain: deps.domain };

  installValidatorCompiler(app);
  installJsonBodyParser(app);
  installErrorRenderer(app);
  app.decorateRequest("overtureApp", null);
  app.decorateRequest("overtureSites", null as unknown as string[]);
  app.decorateRequest("overtureIssuer", "");
  app.decorateRequest("overtureErrorCode", null);
  app.decorateRequest("overtureOutcome", null);
  app.addHook("onResponse", async (request, reply) => {
    // The route's template, never the path: no ids or identifiers in logs or metric labels.
    const route = request.routeOptions.url ?? null;
    request.log.info(
      {
        app_id: request.overtureApp?.id ?? null,
        method: request.method,
        route,
        status: reply.statusCode,
        latency_ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      "request",
    );
    if (deps.metrics) countRequest(deps.metrics, request, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  // PostgreSQL's text cannot hold U+0000: a NUL in a path or query value is refused before any
  // route, for both databases alike.
  app.addHook("onRequest", async (request) => {
    if (request.url.includes("\u0000") || /%00/.test(request.url))
      throw new ApiError("invalid_request", "The URL may not contain the NUL character (%00).");
  });
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
    // Draining: the client learns to reconnect elsewhere, and the socket closes after this answer.
    if (deps.probes.isDraining()) reply.header("connection", "close");
  });

  await installOpenApi(app, VERSION);
  mountManagementRoutes(app, managementRoutes, http);
  mountFrontendRoutes(app, frontendRoutes, http);
  installConsole(app, http);
  // Probes for load balancers and orchestrators (docs/operations.md): unauthenticated, cheap, on
  // every host. Liveness says only that the process serves; readiness asks the database.
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const readiness = await deps.probes.readiness();
    reply.header("cache-control", "no-store");
    return reply
      .code(readiness.ready ? 200 : 503)
      .send({ status: readiness.ready ? "ready" : "not_ready", checks: readiness.checks });
  });
  app.log.debug({ prefix: MANAGEMENT_PREFIX, routes: managementRoutes.length }, "management routes mounted");
  return app;
}
