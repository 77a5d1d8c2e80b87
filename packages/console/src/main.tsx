import { render } from "preact";
import { useMemo, useState } from "preact/hooks";
import { AppOverview } from "./app-overview.js";
import { type Credentials, managementApi } from "./management-api.js";
import { SignIn } from "./sign-in.js";
import { storedCredentials } from "./stored-credentials.js";
import { useHashRoute } from "./use-hash-route.js";
import { UserScreen } from "./user-screen.js";
import { UsersScreen } from "./users-screen.js";

const SECTIONS = [
  ["", "App"],
  ["users", "Users"],
] as const;

function Console() {
  const [credentials, setCredentials] = useState<Credentials | null>(storedCredentials.read());
  const route = useHashRoute();
  const api = useMemo(() => (credentials ? managementApi(credentials) : null), [credentials]);
  if (!credentials || !api)
    return (
      <SignIn
        onSignedIn={(c) => {
          storedCredentials.write(c);
          setCredentials(c);
        }}
      />
    );
  const signOut = () => {
    storedCredentials.clear();
    setCredentials(null);
  };
  return (
    <>
      <header class="top">
        <span class="brand">Overture console</span>
        <nav aria-label="Sections">
          {SECTIONS.map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={(route[0] ?? "") === path ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {route[0] === "users" && route[1] ? (
          <UserScreen api={api} userId={route[1]} />
        ) : route[0] === "users" ? (
          <UsersScreen api={api} />
        ) : (
          <AppOverview api={api} appId={credentials.appId} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById("root");
if (root) {
  root.textContent = "";
  render(<Console />, root);
}
