import { ModeBody } from "@overture/protocol";
import { setAppMode } from "../../domain/apps/apps.js";
import { defineRoute } from "../route-spec.js";

export const getMode = defineRoute({
  operationId: "getMode",
  summary: "Get the application's mode",
  tag: "Mode",
  responses: { 200: ModeBody },
  errors: [],
  handler: async ({ app }) => ({ status: 200, body: { mode: app.mode } }),
});

export const updateMode = defineRoute({
  operationId: "updateMode",
  summary: "Set the application's mode",
  description:
    "New applications start in `dev`. Dev-only features (such as dev message inspection) stop in `prod`. " +
    "The node that takes the change applies it at once; other nodes within 5 seconds.",
  tag: "Mode",
  body: ModeBody,
  responses: { 204: null },
  errors: [],
  handler: async ({ app, body, deps, log }) => {
    await setAppMode(deps.domain, app.id, body.mode);
    // Switching to prod (or back) changes what the app allows: the operator sees it in the log.
    if (app.mode !== body.mode)
      log.info({ app_id: app.id, from: app.mode, to: body.mode }, "app mode changed");
    return { status: 204 };
  },
});
