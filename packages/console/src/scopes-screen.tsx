import { useState } from "preact/hooks";
import { DataTable } from "./data-table.js";
import { EditableList } from "./editable-list.js";
import { Field } from "./field.js";
import type { ManagementApi } from "./management-api.js";
import { Failure, Loading } from "./states.js";
import { useAction } from "./use-action.js";
import { useApiData } from "./use-api-data.js";

interface Group {
  name: string;
  scopes: string[];
}

/**
 * The app's allowed scopes and its groups (docs/scopes-and-claims.md). Removing a scope something
 * still grants is refused by the API, whose message names what grants it.
 */
export function ScopesScreen({ api }: { api: ManagementApi }) {
  const scopes = useApiData(() => api.get<{ scopes: string[] }>("/config/scopes"), [api]);
  const groups = useApiData(() => api.get<{ groups: Group[] }>("/config/groups"), [api]);
  const action = useAction();
  const [groupName, setGroupName] = useState("");
  const [groupScopes, setGroupScopes] = useState("");
  const change = async (work: () => Promise<unknown>, done: string) => {
    const ok = await action.run(work, done);
    if (ok) {
      if (scopes.state === "ready") scopes.reload();
      if (groups.state === "ready") groups.reload();
    }
    return ok;
  };
  const list = (text: string) => text.split(/[\s,]+/).filter(Boolean);
  const allowed = scopes.state === "ready" ? scopes.data.scopes : [];
  return (
    <section aria-labelledby="scopes-title">
      <h2 id="scopes-title">Scopes and groups</h2>
      <h3>Allowed scopes</h3>
      {scopes.state === "loading" && <Loading what="scopes" />}
      {scopes.state === "failed" && <Failure error={scopes.error} />}
      {scopes.state === "ready" && (
        <EditableList
          id="add-allowed-scope"
          label="New allowed scope"
          busy={action.busy}
          empty="No allowed scope: tokens carry an empty scope."
          items={allowed.map((s) => ({ key: s, text: s }))}
          onAdd={(scope) => change(() => api.post("/config/scopes", { scope }), `Scope ${scope} allowed.`)}
          onRemove={(scope) =>
            change(() => api.delete("/config/scopes", { scope }), `Scope ${scope} removed.`)
          }
        />
      )}

      <h3>Groups</h3>
      {groups.state === "loading" && <Loading what="groups" />}
      {groups.state === "failed" && <Failure error={groups.error} />}
      {groups.state === "ready" &&
        (groups.data.groups.length === 0 ? (
          <p class="empty">No group yet.</p>
        ) : (
          <DataTable caption="Groups" columns={["Group", "Scopes", null]}>
            {groups.data.groups.map((g) => (
              <GroupRow key={g.name} group={g} busy={action.busy} change={change} api={api} />
            ))}
          </DataTable>
        ))}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          change(
            () => api.post("/config/groups", { name: groupName.trim(), scopes: list(groupScopes) }),
            `Group ${groupName.trim()} created.`,
          ).then((ok) => {
            if (ok) {
              setGroupName("");
              setGroupScopes("");
            }
          });
        }}
      >
        <Field id="new-group-name" label="New group">
          {(props) => (
            <input
              {...props}
              required
              value={groupName}
              onInput={(e) => setGroupName(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          id="new-group-scopes"
          label="Its scopes"
          hint="Separated by spaces or commas; each an allowed scope."
        >
          {(props) => (
            <input {...props} value={groupScopes} onInput={(e) => setGroupScopes(e.currentTarget.value)} />
          )}
        </Field>
        <button type="submit" disabled={action.busy}>
          Create group
        </button>
      </form>
      {action.status}
    </section>
  );
}

function GroupRow({
  group,
  busy,
  change,
  api,
}: {
  group: Group;
  busy: boolean;
  change: (work: () => Promise<unknown>, done: string) => Promise<boolean>;
  api: ManagementApi;
}) {
  const [text, setText] = useState(group.scopes.join(" "));
  const path = `/config/groups/${encodeURIComponent(group.name)}`;
  const id = `group-${group.name}-scopes`;
  return (
    <tr>
      <th scope="row">{group.name}</th>
      <td>
        <label class="visually-hidden" for={id}>
          Scopes of {group.name}
        </label>
        <input id={id} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </td>
      <td class="actions">
        <button
          type="button"
          class="secondary small"
          disabled={busy}
          onClick={() =>
            change(
              () => api.put(path, { scopes: text.split(/[\s,]+/).filter(Boolean) }),
              `Group ${group.name} saved.`,
            )
          }
        >
          Save {group.name}
        </button>
        <button
          type="button"
          class="secondary small"
          disabled={busy}
          onClick={() => change(() => api.delete(path), `Group ${group.name} deleted.`)}
        >
          Delete {group.name}
        </button>
      </td>
    </tr>
  );
}
