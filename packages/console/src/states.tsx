import type { ApiFailure } from "./management-api.js";

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** An API failure as the API worded it. */
export function Failure({ error }: { error: ApiFailure }) {
  return (
    <p class="error" role="alert">
      {error.message} <span class="code">({error.code})</span>
    </p>
  );
}
