import { useState } from "preact/hooks";
import { ApiFailure, type Credentials, managementApi } from "./management-api.js";

/**
 * Signs in with an app's id and one of its management API keys, checked by reading the app's
 * mode: a wrong key answers 401, a wrong app 404, and the console says which.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (credentials: Credentials) => void }) {
  const [appId, setAppId] = useState(new URLSearchParams(location.search).get("app") ?? "");
  const [apiKey, setApiKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const credentials = { appId: appId.trim(), apiKey: apiKey.trim() };
    try {
      await managementApi(credentials).get("/mode");
      onSignedIn(credentials);
    } catch (e) {
      setError(e instanceof ApiFailure ? e.message : "Sign-in failed.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Overture console</h1>
      <p>Sign in with an app's id and one of its management API keys (`overture key create`).</p>
      <form onSubmit={submit}>
        <label for="app-id">App ID</label>
        <input
          id="app-id"
          name="app-id"
          autocomplete="username"
          required
          value={appId}
          onInput={(e) => setAppId(e.currentTarget.value)}
        />
        <label for="api-key">Management API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="current-password"
          required
          value={apiKey}
          onInput={(e) => setApiKey(e.currentTarget.value)}
        />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p class="note">
        The key stays in this tab's session storage, and is forgotten when you sign out or close the tab.
      </p>
    </main>
  );
}
