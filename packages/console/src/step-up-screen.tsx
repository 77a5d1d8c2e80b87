import { useState } from "preact/hooks";
import { errorPath, fieldFor } from "./error-path.js";
import { SelectField, TextField } from "./field.js";
import { ApiFailure, type ManagementApi } from "./management-api.js";
import { Failure, Loading } from "./states.js";
import {
  draftOf,
  newRule,
  type RuleDraft,
  requestOf,
  type StepDraft,
  type StepUpConfigView,
  type StepUpDraft,
} from "./step-up-draft.js";
import { useAction } from "./use-action.js";
import { useApiData } from "./use-api-data.js";

const MODES = [
  ["direct", "this rule (direct)"],
  ["delegated", "your delegation hook (delegated)"],
  ["managed", "Overture (managed: prld:*:register)"],
] as const;
const STATUSES = [
  ["continue", "grant at once (continue)"],
  ["review", "grant after steps (review)"],
  ["block", "refuse (block)"],
] as const;
const GRANT_MODES = [
  ["", "(none)"],
  ["single-use", "single-use"],
  ["session-bound", "session-bound"],
  ["profile-bound", "profile-bound"],
] as const;

/** An error about a whole row (a rule, a step), shown at its top. */
function RowError({ id, message }: { id?: string; message: string | null }) {
  return message ? (
    <p class="field-error" id={id}>
      {message}
    </p>
  ) : null;
}

/** Every field path the form renders for `draft`, so an API error can be placed on one (error-path.ts). */
function renderedPaths(draft: StepUpDraft): string[] {
  const paths = ["jwks_url"];
  draft.stepKeys.forEach((_, i) => {
    paths.push(`step_keys[${i}]`, `step_keys[${i}].key`, `step_keys[${i}].description`);
  });
  draft.rules.forEach((rule, i) => {
    const at = `allowed_scopes[${i}]`;
    paths.push(at, `${at}.scope`, `${at}.mode`);
    if (rule.mode === "delegated") paths.push(`${at}.delegated.delegation_hook`);
    if (rule.mode !== "direct") return;
    for (const f of ["identifier_types", "status", "granted_for", "grant_mode", "steps"])
      paths.push(`${at}.direct.${f}`);
    rule.steps.forEach((_, j) => {
      const step = `${at}.direct.steps[${j}]`;
      paths.push(step, `${step}.key`, `${step}.order`, `${step}.expiration_duration`);
    });
  });
  return paths;
}

/**
 * The step-up config (seed 003, docs/step-up.md) as a form: custom step keys, and one rule per
 * allowed scope. Saving sends what was typed; the server checks the seed's rules, and its message
 * is shown on the field it names.
 */
export function StepUpScreen({ api }: { api: ManagementApi }) {
  const stored = useApiData(
    () =>
      api.get<{ config: StepUpConfigView }>("/config/stepup").then(
        (r) => r.config,
        (e: unknown) => {
          if (e instanceof ApiFailure && e.status === 404) return null;
          throw e;
        },
      ),
    [api],
  );
  const [edited, setEdited] = useState<StepUpDraft | null>(null);
  const action = useAction();
  if (stored.state === "loading") return <Loading what="the step-up config" />;
  if (stored.state === "failed") return <Failure error={stored.error} />;
  const draft = edited ?? draftOf(stored.data);
  const exists = stored.data !== null;

  const message = action.error?.message ?? null;
  const errorAt = message ? fieldFor(errorPath(message), renderedPaths(draft)) : null;
  const err = (path: string) => (errorAt === path ? message : null);

  const update = (change: (d: StepUpDraft) => void) => {
    const next = structuredClone(draft);
    change(next);
    setEdited(next);
  };
  const setStepKey = (i: number, patch: Partial<StepUpDraft["stepKeys"][number]>) =>
    update((d) => {
      d.stepKeys[i] = { ...d.stepKeys[i]!, ...patch };
    });
  const setRule = (i: number, patch: Partial<RuleDraft>) =>
    update((d) => {
      d.rules[i] = { ...d.rules[i]!, ...patch };
    });
  const setStep = (i: number, j: number, patch: Partial<StepDraft>) =>
    update((d) => {
      const steps = d.rules[i]!.steps;
      steps[j] = { ...steps[j]!, ...patch };
    });
  const saved = (ok: boolean) => {
    if (!ok) return;
    setEdited(null);
    stored.reload();
  };

  return (
    <section aria-labelledby="stepup-title">
      <h2 id="stepup-title">Step-up</h2>
      <p class="note">
        Which scopes a signed-in user may ask for mid-session, and how each is decided.{" "}
        {exists ? "" : "Not configured yet."}
      </p>
      <form
        class="wide"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const body = requestOf(draft);
          action
            .run(
              () => (exists ? api.put("/config/stepup", body) : api.post("/config/stepup", body)),
              "Step-up config saved.",
            )
            .then(saved);
        }}
      >
        <TextField
          id="stepup-jwks-url"
          label="JWKS URL"
          hint="Your backend's keys; needed for delegated rules and custom steps."
          error={err("jwks_url")}
          value={draft.jwksUrl}
          onValue={(jwksUrl) => setEdited({ ...draft, jwksUrl })}
        />

        <h3>Custom step keys</h3>
        {draft.stepKeys.length === 0 && (
          <p class="empty">None: only verify_email, verify_sms and verify_passkey.</p>
        )}
        {draft.stepKeys.map((k, i) => (
          <fieldset key={i} class="row">
            <legend>Step key {i + 1}</legend>
            <RowError message={err(`step_keys[${i}]`)} />
            <TextField
              id={`stepup-key-${i}`}
              label="Key"
              error={err(`step_keys[${i}].key`)}
              value={k.key}
              onValue={(key) => setStepKey(i, { key })}
            />
            <TextField
              id={`stepup-key-${i}-description`}
              label="Description"
              error={err(`step_keys[${i}].description`)}
              value={k.description}
              onValue={(description) => setStepKey(i, { description })}
            />
            <button
              type="button"
              class="secondary small"
              onClick={() => update((d) => void d.stepKeys.splice(i, 1))}
            >
              Remove step key {i + 1}
            </button>
          </fieldset>
        ))}
        <button
          type="button"
          class="secondary"
          onClick={() => update((d) => void d.stepKeys.push({ key: "", description: "" }))}
        >
          Add a step key
        </button>

        <h3>Rules</h3>
        {draft.rules.length === 0 && <p class="empty">No rule: no scope can be stepped up to.</p>}
        {draft.rules.map((rule, i) => {
          const at = `allowed_scopes[${i}]`;
          const id = `stepup-rule-${i}`;
          const typesError = err(`${at}.direct.identifier_types`);
          return (
            <fieldset key={i} class="rule">
              <legend>Rule {i + 1}</legend>
              <RowError message={err(at)} />
              <TextField
                id={`${id}-scope`}
                label="Scope"
                error={err(`${at}.scope`)}
                value={rule.scope}
                onValue={(scope) => setRule(i, { scope })}
              />
              <SelectField
                id={`${id}-mode`}
                label="Decided by"
                error={err(`${at}.mode`)}
                value={rule.mode}
                options={MODES}
                onValue={(mode) => setRule(i, { mode })}
              />
              {rule.mode === "delegated" && (
                <TextField
                  id={`${id}-hook`}
                  label="Delegation hook URL"
                  error={err(`${at}.delegated.delegation_hook`)}
                  value={rule.hook}
                  onValue={(hook) => setRule(i, { hook })}
                />
              )}
              {rule.mode === "direct" && (
                <>
                  <fieldset
                    class="choices"
                    aria-invalid={typesError ? "true" : undefined}
                    aria-describedby={typesError ? `${id}-types-error` : undefined}
                  >
                    <legend>For users with</legend>
                    <label>
                      <input
                        type="checkbox"
                        checked={rule.email}
                        onChange={(e) => setRule(i, { email: e.currentTarget.checked })}
                      />{" "}
                      an email address
                    </label>
                    <label>
                      <input
                        type="checkbox"
                        checked={rule.phone}
                        onChange={(e) => setRule(i, { phone: e.currentTarget.checked })}
                      />{" "}
                      a phone number
                    </label>
                    <RowError id={`${id}-types-error`} message={typesError} />
                  </fieldset>
                  <SelectField
                    id={`${id}-status`}
                    label="Decision"
                    error={err(`${at}.direct.status`)}
                    value={rule.status}
                    options={STATUSES}
                    onValue={(status) => setRule(i, { status })}
                  />
                  <SelectField
                    id={`${id}-grant-mode`}
                    label="Grant mode"
                    error={err(`${at}.direct.grant_mode`)}
                    value={rule.grantMode}
                    options={GRANT_MODES}
                    onValue={(grantMode) => setRule(i, { grantMode })}
                  />
                  <TextField
                    id={`${id}-granted-for`}
                    label="Granted for (seconds)"
                    inputMode="numeric"
                    error={err(`${at}.direct.granted_for`)}
                    value={rule.grantedFor}
                    onValue={(grantedFor) => setRule(i, { grantedFor })}
                  />
                  <h4>Steps</h4>
                  <RowError message={err(`${at}.direct.steps`)} />
                  {rule.steps.map((step, j) => {
                    const sAt = `${at}.direct.steps[${j}]`;
                    const sId = `${id}-step-${j}`;
                    return (
                      <fieldset key={j} class="row">
                        <legend>Step {j + 1}</legend>
                        <RowError message={err(sAt)} />
                        <TextField
                          id={`${sId}-key`}
                          label="Step key"
                          error={err(`${sAt}.key`)}
                          value={step.key}
                          onValue={(key) => setStep(i, j, { key })}
                        />
                        <TextField
                          id={`${sId}-order`}
                          label="Order"
                          inputMode="numeric"
                          error={err(`${sAt}.order`)}
                          value={step.order}
                          onValue={(order) => setStep(i, j, { order })}
                        />
                        <TextField
                          id={`${sId}-expiration`}
                          label="Seconds to complete (0: 600)"
                          inputMode="numeric"
                          error={err(`${sAt}.expiration_duration`)}
                          value={step.expiration}
                          onValue={(expiration) => setStep(i, j, { expiration })}
                        />
                        <button
                          type="button"
                          class="secondary small"
                          onClick={() => update((d) => void d.rules[i]!.steps.splice(j, 1))}
                        >
                          Remove step {j + 1} of rule {i + 1}
                        </button>
                      </fieldset>
                    );
                  })}
                  <button
                    type="button"
                    class="secondary"
                    onClick={() =>
                      update((d) => {
                        const steps = d.rules[i]!.steps;
                        steps.push({ key: "", order: String(steps.length + 1), expiration: "0" });
                      })
                    }
                  >
                    Add a step to rule {i + 1}
                  </button>
                </>
              )}
              <button
                type="button"
                class="secondary"
                onClick={() => update((d) => void d.rules.splice(i, 1))}
              >
                Remove rule {i + 1}
              </button>
            </fieldset>
          );
        })}
        <button type="button" class="secondary" onClick={() => update((d) => void d.rules.push(newRule()))}>
          Add a rule
        </button>

        <div class="actions">
          <button type="submit" disabled={action.busy}>
            {exists ? "Save step-up config" : "Create step-up config"}
          </button>
          {edited && (
            <button type="button" class="secondary" onClick={() => setEdited(null)}>
              Discard changes
            </button>
          )}
          {exists && (
            <button
              type="button"
              class="secondary"
              disabled={action.busy}
              onClick={() =>
                action.run(() => api.delete("/config/stepup"), "Step-up config deleted.").then(saved)
              }
            >
              Delete step-up config
            </button>
          )}
        </div>
        {action.error ? (
          <p class="error" role="alert">
            Not saved: {action.error.message}
            {errorAt ? " (shown on its field)" : ` (${action.error.code})`}
          </p>
        ) : (
          action.status
        )}
      </form>
    </section>
  );
}
