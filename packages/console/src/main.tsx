import { render } from "preact";
import { useMemo, useState } from "preact/hooks";
import { AppOverview } from "./app-overview.js";
import { ClaimsScreen } from "./claims-screen.js";
import { ConfigsScreen } from "./configs-screen.js";
import { type Credentials, type ManagementApi, managementApi } from "./management-api.js";
import { MigrationScreen } from "./migration-screen.js";
import { ScopesScreen } from "./scopes-screen.js";
import { SignIn } from "./sign-in.js";
import { StepUpScreen } from "./step-up-screen.js";
import { storedCredentials } from "./stored-credentials.js";
import { useHashRoute } from "./use-hash-route.js";
import { UserScreen } from "./user-screen.js";
import { UsersScreen } from "./users-screen.js";
import { WebhookScreen } from "./webhook-screen.js";
import { WebhooksScreen } from "./webhooks-screen.js";

const SECTIONS = [
  ["", "App"],
  ["users", "Users"],
  ["configs", "Configs"],
  ["scopes", "Scopes"],
  ["claims", "Claims"],
  ["step-up", "Step-up"],
  ["webhooks", "Webhooks"],
  ["migration", "Migration"],
] as const;

/** The screen for a route: `#/section` or `#/section/id`. */
function Screen({ route, api, appId }: { route: string[]; api: ManagementApi; appId: string }) {
  const [section, id] = route;
  if (section === "users")
    return id ? <UserScreen key={id} api={api} userId={id} /> : <UsersScreen api={api} />;
  if (section === "configs") return <ConfigsScreen api={api} />;
  if (section === "scopes") return <ScopesScreen api={api} />;
  if (section === "claims") return <ClaimsScreen api={api} />;
  if (section === "step-up") return <StepUpScreen api={api} />;
  if (section === "webhooks")
    return id ? <WebhookScreen key={id} api={api} webhookId={id} /> : <WebhooksScreen api={api} />;
  if (section === "migration") return <MigrationScreen api={api} />;
  return <AppOverview api={api} appId={appId} />;
}

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
        <Screen route={route} api={api} appId={credentials.appId} />
      </main>
    </>
  );
}

const root = document.getElementById("root");
if (root) {
  root.textContent = "";
  render(<Console />, root);
}
