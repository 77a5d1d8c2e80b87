import { EditableList } from "./editable-list.js";
import type { ManagementApi } from "./management-api.js";
import { useAction } from "./use-action.js";
import { useApiData } from "./use-api-data.js";
import type { UserView } from "./users-screen.js";

/**
 * What a user may do, edited through the Management API: status, identifiers, direct scopes and
 * groups. Each change reloads the user, so what is shown is what the server holds.
 */
export function UserAccess({
  api,
  user,
  path,
  reload,
}: {
  api: ManagementApi;
  user: UserView;
  path: string;
  reload: () => void;
}) {
  const action = useAction();
  const allowed = useApiData(() => api.get<{ scopes: string[] }>("/config/scopes"), [api]);
  const groups = useApiData(() => api.get<{ groups: { name: string }[] }>("/config/groups"), [api]);
  const change = async (work: () => Promise<unknown>, done: string) => {
    const ok = await action.run(work, done);
    if (ok) reload();
    return ok;
  };
  const next = user.status === "active" ? "disabled" : "active";
  return (
    <>
      <h3>Status</h3>
      <p>
        This user is <strong data-testid="user-status">{user.status}</strong>.{" "}
        {user.status === "active" ? "Disabling ends every session and refuses new logins." : ""}
      </p>
      <button
        type="button"
        class={next === "disabled" ? "danger" : undefined}
        disabled={action.busy}
        onClick={() =>
          change(
            () => api.put(`${path}/status`, { status: next }),
            `User ${next === "active" ? "enabled" : "disabled"}.`,
          )
        }
      >
        {next === "disabled" ? "Disable user" : "Enable user"}
      </button>

      <h3>Identifiers</h3>
      <EditableList
        id="add-identifier"
        label="Add an email, phone number or username"
        busy={action.busy}
        empty="No identifier."
        items={user.identifiers.map((i) => ({
          key: `${i.type}\u0000${i.value}`,
          text: `${i.value} (${i.type})`,
        }))}
        onAdd={(value) =>
          change(() => api.post(`${path}/identifiers`, { identifier: { value } }), `${value} added.`)
        }
        onRemove={(key) => {
          const [type, value] = key.split("\u0000");
          change(
            () => api.delete(`${path}/identifiers`, { identifier: { type, value } }),
            `${value} removed.`,
          );
        }}
      />

      <h3>Scopes</h3>
      <EditableList
        id="add-scope"
        label="Grant a scope"
        busy={action.busy}
        empty="No scope granted directly."
        items={user.scopes.map((s) => ({ key: s, text: s }))}
        suggestions={allowed.state === "ready" ? allowed.data.scopes : []}
        onAdd={(scope) => change(() => api.post(`${path}/scopes`, { scope }), `Scope ${scope} granted.`)}
        onRemove={(scope) =>
          change(() => api.delete(`${path}/scopes/${encodeURIComponent(scope)}`), `Scope ${scope} removed.`)
        }
      />

      <h3>Groups</h3>
      <EditableList
        id="add-group"
        label="Add to a group"
        busy={action.busy}
        empty="In no group."
        items={user.groups.map((g) => ({ key: g, text: g }))}
        suggestions={groups.state === "ready" ? groups.data.groups.map((g) => g.name) : []}
        onAdd={(group) => change(() => api.post(`${path}/groups`, { group }), `Added to ${group}.`)}
        onRemove={(group) =>
          change(() => api.delete(`${path}/groups/${encodeURIComponent(group)}`), `Removed from ${group}.`)
        }
      />
      {action.status}
    </>
  );
}
