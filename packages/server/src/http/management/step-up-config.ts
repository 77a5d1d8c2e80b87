import { StepUpConfigRequest, StepUpConfigResponse } from "@overture/protocol";
import { isoTime } from "../../domain/shared/clock.js";
import { stepUpConfig } from "../../domain/step-up/step-up-config.js";
import { singleConfigRoutes } from "./single-config-routes.js";

export const stepUpConfigRoutes = singleConfigRoutes({
  config: stepUpConfig,
  tag: "Config - Step-up",
  request: StepUpConfigRequest,
  response: StepUpConfigResponse,
  present: (c) => ({
    config: { ...c.value, created_at: isoTime(c.createdAt), updated_at: isoTime(c.updatedAt) },
  }),
  create: {
    operationId: "createStepUpConfig",
    summary: "Create the step-up config",
    description:
      "Which scopes a signed-in user may ask for mid-session, and how each is decided: `direct` (a static " +
      "decision per identifier type), `delegated` (your delegation hook decides) or `managed` (the register " +
      "scopes). Every rule of the schema's descriptions is enforced and a violation names its path " +
      "(docs/step-up.md). One per app; a second is a 409 `conflict`.",
  },
  get: { operationId: "getStepUpConfig", summary: "Get the step-up config" },
  update: {
    operationId: "updateStepUpConfig",
    summary: "Replace the step-up config",
    description: "Replaces the whole document, under the same rules as create.",
  },
  remove: {
    operationId: "deleteStepUpConfig",
    summary: "Delete the step-up config",
    description:
      "Step-up requests answer `not_configured` from then on; grants already given stay until they end.",
  },
});
