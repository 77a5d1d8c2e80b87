import { useState } from "preact/hooks";
import { ApiFailure } from "./management-api.js";

interface ActionState {
  busy: boolean;
  working: string;
  error: ApiFailure | null;
  done: string | null;
}

/**
 * An action's progress and outcome: while it runs, buttons disable themselves and a progress bar
 * says what is happening (an activation handshake can take its endpoint 10 s); then the API's own
 * message on failure. Announced to screen readers either way.
 */
export function useAction() {
  const [state, setState] = useState<ActionState>({ busy: false, working: "", error: null, done: null });
  /** Runs `work`; resolves true when it succeeded. */
  const run = async <T,>(
    work: () => Promise<T>,
    done: string | ((result: T) => string),
    working = "Working…",
  ): Promise<boolean> => {
    setState({ busy: true, working, error: null, done: null });
    try {
      const result = await work();
      setState({
        busy: false,
        working: "",
        error: null,
        done: typeof done === "string" ? done : done(result),
      });
      return true;
    } catch (e) {
      setState({
        busy: false,
        working: "",
        error: e instanceof ApiFailure ? e : new ApiFailure(0, "unknown", String(e)),
        done: null,
      });
      return false;
    }
  };
  const status = (
    <div class="action-status">
      {state.busy && <progress class="progress" aria-label={state.working} />}
      <p class={state.error ? "error" : "note"} role={state.error ? "alert" : "status"}>
        {state.busy ? state.working : (state.error?.message ?? state.done ?? "")}
      </p>
    </div>
  );
  return { busy: state.busy, error: state.error, run, status };
}
