import type { ErrorCode } from "@overture/protocol";
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import type { Static, TSchema } from "typebox";
import type { Config } from "../config/config-schema.js";
import type { AppRecord } from "../domain/apps/app-repository.js";
import type { DomainDeps } from "../domain/shared/domain-deps.js";

export interface HttpDeps {
  config: Readonly<Config>;
  domain: DomainDeps;
}

type In<S> = S extends TSchema ? Static<S> : undefined;

export interface HandlerContext<B, Q, P> {
  body: In<B>;
  query: In<Q>;
  params: In<P>;
  /** The app the request is for, already authorised. */
  app: AppRecord;
  deps: HttpDeps;
  log: FastifyBaseLogger;
  /** For what the schemas do not cover: headers, cookies, the client address. */
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One endpoint: its OpenAPI description, request schemas, documented answers and handler. The
 * handler is a short pipeline (parse is done by the schemas) returning a status and body; failures
 * are thrown as ApiError.
 */
export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  body?: B;
  query?: Q;
  params?: P;
  /** Success responses: status → schema, or null for no content. */
  responses: Record<number, TSchema | null>;
  /** Catalogue codes this endpoint may answer, besides the ones every route of its surface may. */
  errors: ErrorCode[];
  /** A DPoP endpoint: every response, errors included, carries a fresh `DPoP-Nonce`. */
  dpop?: boolean;
  /** The body may be absent (treated as `{}`): the web SDK sends body-less POSTs. */
  bodyOptional?: boolean;
  /** Takes a form-encoded body too (a provider's `form_post` callback); every other route takes JSON only. */
  formBody?: boolean;
  /** Counted in `overture_logins_total` under this method (docs/operations.md). */
  login?: string;
  /** Counted in `overture_refreshes_total`. */
  refresh?: boolean;
  handler: (ctx: HandlerContext<B, Q, P>) => Promise<HandlerResult>;
}

export function defineRoute<
  B extends TSchema | undefined,
  Q extends TSchema | undefined,
  P extends TSchema | undefined,
>(spec: RouteSpec<B, Q, P>): RouteSpec<B, Q, P> {
  return spec;
}

export type AnyRouteSpec = RouteSpec<TSchema | undefined, TSchema | undefined, TSchema | undefined>;

export type RouteTable = readonly (readonly [
  "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  string,
  AnyRouteSpec,
])[];
