import { useState } from "preact/hooks";
import { ConfirmDelete } from "./confirm-delete.js";
import { DataTable } from "./data-table.js";
import { JsonField } from "./field.js";
import { ApiFailure, type ManagementApi } from "./management-api.js";
import { mergePatch } from "./merge-patch.js";
import { parseJson } from "./parse-json.js";
import { Failure, Loading } from "./states.js";
import { useAction } from "./use-action.js";
import { useApiData } from "./use-api-data.js";
import { UserAccess } from "./user-access.js";
import type { UserView } from "./users-screen.js";

interface SessionView {
  id: string;
  created_at: string;
  last_seen_at: string;
  method: string;
  user_agent: string | null;
}

/** One user: who they are, their sessions (revoke one or all), a new password, and deletion. */
export function UserScreen({ api, userId }: { api: ManagementApi; userId: string }) {
  const path = `/users/${encodeURIComponent(userId)}`;
  const user = useApiData(async () => (await api.get<{ user: UserView }>(path)).user, [api, path]);
  const sessions = useApiData(() => api.get<{ sessions: SessionView[] }>(`${path}/sessions`), [api, path]);
  const action = useAction();
  const profileAction = useAction();
  const [profile, setProfile] = useState<string | null>(null);
  const [password, setPassword] = useState("");

  if (user.state === "loading") return <Loading what="the user" />;
  if (user.state === "failed") return <Failure error={user.error} />;
  const u = user.data;
  const reloadSessions = () => sessions.state === "ready" && sessions.reload();

  return (
    <section aria-labelledby="user-title">
      <p>
        <a href="#/users">← Users</a>
      </p>
      <h2 id="user-title">{u.identifiers[0]?.value ?? u.id}</h2>
      <dl class="facts">
        <dt>ID</dt>
        <dd>
          <code>{u.id}</code>
        </dd>
        <dt>External ID</dt>
        <dd>{u.external_id ?? "—"}</dd>
        <dt>Password</dt>
        <dd>{u.has_password ? "set" : "none"}</dd>
        <dt>Created</dt>
        <dd>{u.created_at}</dd>
      </dl>

      <h3>Sessions</h3>
      {sessions.state === "loading" && <Loading what="sessions" />}
      {sessions.state === "failed" && <Failure error={sessions.error} />}
      {sessions.state === "ready" &&
        (sessions.data.sessions.length === 0 ? (
          <p class="empty">No active session.</p>
        ) : (
          <>
            <DataTable caption="Active sessions" columns={["Session", "Method", "Last seen", null]}>
              {sessions.data.sessions.map((s) => (
                <tr key={s.id}>
                  <td>
                    <code>{s.id}</code>
                    <div class="note">{s.user_agent ?? ""}</div>
                  </td>
                  <td>{s.method}</td>
                  <td>{s.last_seen_at}</td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      disabled={action.busy}
                      aria-label={`Revoke session ${s.id}`}
                      onClick={() =>
                        action
                          .run(
                            () => api.delete(`${path}/sessions/${encodeURIComponent(s.id)}`),
                            `Session ${s.id} revoked.`,
                          )
                          .then(reloadSessions)
                      }
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </DataTable>
            <button
              type="button"
              class="secondary"
              disabled={action.busy}
              onClick={() =>
                action
                  .run(
                    () => api.post(`${path}/sessions/invalidate`, {}),
                    "All sessions revoked.",
                    "Revoking every session…",
                  )
                  .then(reloadSessions)
              }
            >
              Revoke all sessions
            </button>
          </>
        ))}

      <UserAccess api={api} user={u} path={path} reload={user.reload} />

      <h3>Profile</h3>
      <form
        class="wide"
        onSubmit={(e) => {
          e.preventDefault();
          profileAction
            .run(() => {
              const next = parseJson(profile ?? JSON.stringify(u.profile, null, 2));
              if (typeof next !== "object" || next === null || Array.isArray(next))
                throw new ApiFailure(400, "invalid_request", "The profile is a JSON object.");
              return api.patch(
                `${path}/profile`,
                mergePatch(u.profile as Record<string, never>, next as Record<string, never>),
              );
            }, "Profile saved.")
            .then((ok) => {
              if (ok) {
                setProfile(null);
                user.reload();
              }
            });
        }}
      >
        <JsonField
          id="user-profile"
          label="Profile (JSON)"
          error={profileAction.error?.message}
          rows={12}
          value={profile ?? JSON.stringify(u.profile, null, 2)}
          onValue={setProfile}
        />
        <button type="submit" disabled={profileAction.busy}>
          Save profile
        </button>
        {profileAction.status}
      </form>

      <h3>Set a password</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          action
            .run(() => api.put(`${path}/password`, { password }), "Password set.")
            .then(() => setPassword(""));
        }}
      >
        <label for="new-password">New password</label>
        <input
          id="new-password"
          type="password"
          autocomplete="new-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <button type="submit" disabled={action.busy}>
          Set password
        </button>
      </form>

      <h3>Delete</h3>
      <ConfirmDelete
        label="Delete user"
        question="Delete this user, their identifiers and sessions? This cannot be undone."
        busy={action.busy}
        onConfirm={() =>
          action
            .run(() => api.delete(path), "User deleted.")
            .then((ok) => {
              if (ok) location.hash = "#/users";
            })
        }
      />
      {action.status}
    </section>
  );
}
