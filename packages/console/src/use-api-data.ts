import { useEffect, useState } from "preact/hooks";
import { ApiFailure } from "./management-api.js";

export type Loaded<T> =
  | { state: "loading" }
  | { state: "failed"; error: ApiFailure }
  | { state: "ready"; data: T; reload: () => void };

/** Loads what `load` answers, again whenever `deps` change or `reload` is called. */
export function useApiData<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setResult({ state: "loading" });
    load().then(
      (data) => current && setResult({ state: "ready", data, reload: () => setRound((r) => r + 1) }),
      (error: unknown) =>
        current &&
        setResult({
          state: "failed",
          error: error instanceof ApiFailure ? error : new ApiFailure(0, "unknown", String(error)),
        }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  return result;
}
