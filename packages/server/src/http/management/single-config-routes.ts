import type { TSchema } from "typebox";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import type { ConfigRecord } from "../../domain/apps/config-repository.js";
import type { DomainDeps } from "../../domain/shared/domain-deps.js";
import type { Failure } from "../../domain/shared/outcome.js";
import { fail } from "../api-error.js";
import { type AnyRouteSpec, defineRoute } from "../route-spec.js";

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
}

type Found<Value> = Promise<{ ok: true; config: ConfigRecord<Value> } | Failure>;

/** The operations of one single-document config (domain/apps/single-config.ts makes them). */
export interface SingleConfigOperations<Value, Input> {
  create(deps: DomainDeps, app: AppRecord, input: Input): Found<Value>;
  get(deps: DomainDeps, app: AppRecord): Found<Value>;
  replace(deps: DomainDeps, app: AppRecord, input: Input): Found<Value>;
  remove(deps: DomainDeps, app: AppRecord): Promise<{ ok: true } | Failure>;
}

/**
 * The four Management routes of a single-document config (`POST|GET|PUT|DELETE /config/...`):
 * the same answers for every kind — 201 on create, `409 conflict` for a second one, `404
 * config_not_found` when there is none — with the kind's own schemas and presentation.
 */
export function singleConfigRoutes<Value, Input>(o: {
  config: SingleConfigOperations<Value, Input>;
  tag: string;
  request: TSchema;
  response: TSchema;
  present: (config: ConfigRecord<Value>) => unknown;
  create: Operation;
  get: Operation;
  update: Operation;
  remove: Operation;
}): { create: AnyRouteSpec; get: AnyRouteSpec; update: AnyRouteSpec; remove: AnyRouteSpec } {
  const { config, tag, present } = o;
  return {
    create: defineRoute({
      ...o.create,
      tag,
      body: o.request,
      responses: { 201: o.response },
      errors: ["conflict"],
      handler: async ({ app, body, deps }) => {
        const created = await config.create(deps.domain, app, body as Input);
        if (!created.ok) fail(created);
        return { status: 201, body: present(created.config) };
      },
    }) as AnyRouteSpec,
    get: defineRoute({
      ...o.get,
      tag,
      responses: { 200: o.response },
      errors: ["config_not_found"],
      handler: async ({ app, deps }) => {
        const found = await config.get(deps.domain, app);
        if (!found.ok) fail(found);
        return { status: 200, body: present(found.config) };
      },
    }) as AnyRouteSpec,
    update: defineRoute({
      ...o.update,
      tag,
      body: o.request,
      responses: { 200: o.response },
      errors: ["config_not_found"],
      handler: async ({ app, body, deps }) => {
        const replaced = await config.replace(deps.domain, app, body as Input);
        if (!replaced.ok) fail(replaced);
        return { status: 200, body: present(replaced.config) };
      },
    }) as AnyRouteSpec,
    remove: defineRoute({
      ...o.remove,
      tag,
      responses: { 204: null },
      errors: ["config_not_found"],
      handler: async ({ app, deps }) => {
        const removed = await config.remove(deps.domain, app);
        if (!removed.ok) fail(removed);
        return { status: 204 };
      },
    }) as AnyRouteSpec,
  };
}
