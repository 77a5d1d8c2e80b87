import type { User } from "@overture/protocol";
import { useState } from "preact/hooks";
import { DataTable } from "./data-table.js";
import type { ManagementApi } from "./management-api.js";
import { Failure, Loading } from "./states.js";
import { useApiData } from "./use-api-data.js";

/** A user as the Management API shows it. */
export type UserView = User;

const FIELDS = {
  email_address: "Email",
  phone_number: "Phone",
  external_id: "External ID",
  oauth: "OAuth identity (provider:id)",
} as const;
type Field = keyof typeof FIELDS;

/** The query a search sends: by external_id, or by an identifier of a type. */
function searchQuery(field: Field, value: string): string {
  const v = encodeURIComponent(value.trim());
  return field === "external_id" ? `external_id=${v}` : `identifier_type=${field}&identifier_value=${v}`;
}

/** Users: a search by email, phone, external_id or OAuth identity, else the list page by page. */
export function UsersScreen({ api }: { api: ManagementApi }) {
  const [field, setField] = useState<Field>("email_address");
  const [value, setValue] = useState("");
  const [query, setQuery] = useState("limit=20");
  const [pages, setPages] = useState<string[]>([]);
  const users = useApiData(
    () => api.get<{ users: UserView[]; next_cursor: string | null }>(`/users?${query}`),
    [api, query],
  );

  const search = (event: Event) => {
    event.preventDefault();
    setPages([]);
    setQuery(value.trim() ? searchQuery(field, value) : "limit=20");
  };

  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <search>
        <form class="search" onSubmit={search}>
          <label for="search-field">Find by</label>
          <select id="search-field" value={field} onChange={(e) => setField(e.currentTarget.value as Field)}>
            {Object.entries(FIELDS).map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
          <label for="search-value">Value</label>
          <input id="search-value" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
          <button type="submit">Search</button>
        </form>
      </search>
      {users.state === "loading" && <Loading what="users" />}
      {users.state === "failed" && <Failure error={users.error} />}
      {users.state === "ready" &&
        (users.data.users.length === 0 ? (
          <p class="empty">No user matches.</p>
        ) : (
          <DataTable caption="Users" columns={["User", "Identifiers", "External ID", "Status"]}>
            {users.data.users.map((u) => (
              <tr key={u.id}>
                <td>
                  <a href={`#/users/${encodeURIComponent(u.id)}`}>{u.id}</a>
                </td>
                <td>{u.identifiers.map((i) => i.value).join(", ") || "—"}</td>
                <td>{u.external_id ?? "—"}</td>
                <td>{u.status}</td>
              </tr>
            ))}
          </DataTable>
        ))}
      {users.state === "ready" && (
        <div class="pager">
          {pages.length > 0 && (
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setQuery(pages.at(-1) ?? "limit=20");
                setPages(pages.slice(0, -1));
              }}
            >
              Previous page
            </button>
          )}
          {users.data.next_cursor && (
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setPages([...pages, query]);
                setQuery(`limit=20&cursor=${encodeURIComponent(users.data.next_cursor ?? "")}`);
              }}
            >
              Next page
            </button>
          )}
        </div>
      )}
    </section>
  );
}
