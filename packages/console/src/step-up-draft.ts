/** The step-up config as the form edits it: every input a string or a flag, turned into the request on save. */
export interface StepDraft {
  key: string;
  order: string;
  expiration: string;
}

export interface RuleDraft {
  scope: string;
  mode: "direct" | "delegated" | "managed";
  hook: string;
  email: boolean;
  phone: boolean;
  status: "continue" | "review" | "block";
  grantMode: "" | "single-use" | "session-bound" | "profile-bound";
  grantedFor: string;
  steps: StepDraft[];
}

export interface StepUpDraft {
  jwksUrl: string;
  stepKeys: { key: string; description: string }[];
  rules: RuleDraft[];
}

interface Step {
  key: string;
  order: number;
  expiration_duration: number;
}

/** The config as `GET /config/stepup` answers it. */
export interface StepUpConfigView {
  jwks_url?: string;
  step_keys: { key: string; description: string }[];
  allowed_scopes: {
    scope: string;
    mode: RuleDraft["mode"];
    delegated?: { delegation_hook: string };
    direct?: {
      identifier_types: string[];
      status: RuleDraft["status"];
      granted_for?: number;
      grant_mode?: Exclude<RuleDraft["grantMode"], "">;
      steps?: Step[];
    };
  }[];
}

export const newRule = (): RuleDraft => ({
  scope: "",
  mode: "direct",
  hook: "",
  email: true,
  phone: false,
  status: "review",
  grantMode: "single-use",
  grantedFor: "600",
  steps: [{ key: "verify_email", order: "1", expiration: "0" }],
});

export function draftOf(config: StepUpConfigView | null): StepUpDraft {
  if (!config) return { jwksUrl: "", stepKeys: [], rules: [] };
  return {
    jwksUrl: config.jwks_url ?? "",
    stepKeys: config.step_keys.map((k) => ({ ...k })),
    rules: config.allowed_scopes.map((e) => ({
      scope: e.scope,
      mode: e.mode,
      hook: e.delegated?.delegation_hook ?? "",
      email: e.direct?.identifier_types.includes("email_address") ?? true,
      phone: e.direct?.identifier_types.includes("phone_number") ?? false,
      status: e.direct?.status ?? "review",
      grantMode: e.direct?.grant_mode ?? "",
      grantedFor: e.direct?.granted_for === undefined ? "" : String(e.direct.granted_for),
      steps: (e.direct?.steps ?? []).map((s) => ({
        key: s.key,
        order: String(s.order),
        expiration: String(s.expiration_duration),
      })),
    })),
  };
}

/** A number as typed; what is not one is sent as typed, for the API to name the field it breaks. */
const numeric = (text: string): number | string => (/^-?\d+$/.test(text.trim()) ? Number(text) : text);

/**
 * The request the draft stands for. It carries what was typed, even where it breaks a rule: the
 * server checks every rule and names the field, which the form then shows the message on.
 */
export function requestOf(draft: StepUpDraft): unknown {
  return {
    ...(draft.jwksUrl.trim() && { jwks_url: draft.jwksUrl.trim() }),
    step_keys: draft.stepKeys,
    allowed_scopes: draft.rules.map((r) => ({
      scope: r.scope.trim(),
      mode: r.mode,
      ...(r.mode === "delegated" && { delegated: { delegation_hook: r.hook.trim() } }),
      ...(r.mode === "direct" && {
        direct: {
          identifier_types: [...(r.email ? ["email_address"] : []), ...(r.phone ? ["phone_number"] : [])],
          status: r.status,
          ...(r.grantedFor.trim() && { granted_for: numeric(r.grantedFor) }),
          ...(r.grantMode && { grant_mode: r.grantMode }),
          ...(r.steps.length > 0 && {
            steps: r.steps.map((s) => ({
              key: s.key.trim(),
              order: numeric(s.order),
              expiration_duration: numeric(s.expiration || "0"),
            })),
          }),
        },
      }),
    })),
  };
}
