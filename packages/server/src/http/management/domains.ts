import { CreateDomainRequest, DomainListResponse, DomainParams, DomainResponse } from "@overture/protocol";
import type { AppRecord } from "../../domain/apps/app-repository.js";
import {
  createDomain as create,
  getDomain as get,
  isUsable,
  listDomains as list,
  deleteDomain as remove,
  verifyDomain as verify,
} from "../../domain/apps/custom-domains.js";
import type { DomainRecord } from "../../domain/apps/domain-repository.js";
import { isoTime } from "../../domain/shared/clock.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Domains";

const present = (d: DomainRecord, app: AppRecord) => ({
  id: d.id,
  domain: d.host,
  status: d.status === "verified" ? ("active" as const) : ("pending" as const),
  cname_record: d.cnameTarget,
  usable: isUsable(d, app),
  created_at: isoTime(d.createdAt),
  updated_at: isoTime(d.updatedAt),
});

export const createDomain = defineRoute({
  operationId: "createDomain",
  summary: "Register a custom domain",
  description:
    "The domain then needs a CNAME to `cname_record` and a verify call; in dev mode it serves the app at once. " +
    "A host belongs to one app only.",
  tag,
  body: CreateDomainRequest,
  responses: { 201: DomainResponse },
  errors: ["domain_already_exists"],
  handler: async ({ app, body, deps }) => {
    const result = await create(deps.domain, app, body.domain);
    if (!result.ok) fail(result);
    return { status: 201, body: { domain: present(result.domain, app) } };
  },
});

export const listDomains = defineRoute({
  operationId: "listDomains",
  summary: "List custom domains",
  tag,
  responses: { 200: DomainListResponse },
  errors: [],
  handler: async ({ app, deps }) => ({
    status: 200,
    body: { domains: (await list(deps.domain, app)).map((d) => present(d, app)) },
  }),
});

export const getDomain = defineRoute({
  operationId: "getDomain",
  summary: "Get a custom domain",
  tag,
  params: DomainParams,
  responses: { 200: DomainResponse },
  errors: ["domain_not_found"],
  handler: async ({ app, params, deps }) => {
    const found = await get(deps.domain, app, params.domainID);
    if (!found.ok) fail(found);
    return { status: 200, body: { domain: present(found.domain, app) } };
  },
});

export const deleteDomain = defineRoute({
  operationId: "deleteDomain",
  summary: "Remove a custom domain",
  tag,
  params: DomainParams,
  responses: { 204: null },
  errors: ["domain_not_found"],
  handler: async ({ app, params, deps }) => {
    const removed = await remove(deps.domain, app, params.domainID);
    if (!removed.ok) fail(removed);
    return { status: 204 };
  },
});

export const verifyDomain = defineRoute({
  operationId: "verifyDomain",
  summary: "Verify a custom domain's CNAME",
  description: "Checks that the domain has a CNAME record pointing at `cname_record`; then it is `active`.",
  tag,
  params: DomainParams,
  bodyOptional: true,
  responses: { 200: DomainResponse },
  errors: ["domain_not_found", "domain_verification_failed"],
  handler: async ({ app, params, deps }) => {
    const result = await verify(deps.domain, app, params.domainID);
    if (!result.ok) fail(result);
    return { status: 200, body: { domain: present(result.domain, app) } };
  },
});
