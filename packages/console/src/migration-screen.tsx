import { useState } from "preact/hooks";
import { BarChart } from "./bar-chart.js";
import { DataTable } from "./data-table.js";
import type { ManagementApi } from "./management-api.js";
import { Failure, Loading } from "./states.js";
import { useApiData } from "./use-api-data.js";

interface Counts {
  users_created: { migration: number; api: number; import: number; sign_up: number; login: number };
  migrations: number;
  hook_failures: number;
}

interface Overview {
  hook_configured: boolean;
  user_count: number;
  totals: Counts;
  days: (Counts & { date: string })[];
}

/** Colours with at least 3:1 contrast on white, told apart by more than hue in the table. */
const COLORS = {
  migration: "#0a58ca",
  backfill: "#7a4cc2",
  signUp: "#1a7f37",
  exchanged: "#0a58ca",
  failed: "#b42318",
};

const backfill = (c: Counts) => c.users_created.api + c.users_created.import;
const signUp = (c: Counts) => c.users_created.sign_up + c.users_created.login;

/**
 * The migration overview (`GET /migration/overview`): legacy sessions exchanged and hook
 * failures per day — the legacy traffic draining — and users created per day by source, as charts
 * with the same numbers in a table.
 */
export function MigrationScreen({ api }: { api: ManagementApi }) {
  const [days, setDays] = useState(30);
  const overview = useApiData(() => api.get<Overview>(`/migration/overview?days=${days}`), [api, days]);
  return (
    <section aria-labelledby="migration-title">
      <h2 id="migration-title">Migration</h2>
      <form class="search" onSubmit={(e) => e.preventDefault()}>
        <label for="migration-days">Window</label>
        <select id="migration-days" value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          <option value={7}>7 days</option>
          <option value={30}>30 days</option>
          <option value={90}>90 days</option>
        </select>
      </form>
      {overview.state === "loading" && <Loading what="the migration overview" />}
      {overview.state === "failed" && <Failure error={overview.error} />}
      {overview.state === "ready" && <OverviewView o={overview.data} />}
    </section>
  );
}

function OverviewView({ o }: { o: Overview }) {
  const dates = o.days.map((d) => d.date);
  const t = o.totals;
  return (
    <>
      <dl class="facts">
        <dt>Lazy migration</dt>
        <dd>{o.hook_configured ? "configured" : "not configured (Configs → migration hook)"}</dd>
        <dt>Users now</dt>
        <dd data-testid="user-count">{o.user_count}</dd>
        <dt>Created by lazy migration</dt>
        <dd>{t.users_created.migration}</dd>
        <dt>Created by backfill</dt>
        <dd>{backfill(t)}</dd>
        <dt>Created by sign-up or first login</dt>
        <dd>{signUp(t)}</dd>
        <dt>Legacy sessions exchanged</dt>
        <dd>{t.migrations}</dd>
        <dt>Hook failures</dt>
        <dd>{t.hook_failures}</dd>
      </dl>
      <h3>Legacy traffic</h3>
      <p class="note">
        Sessions exchanged per day fall toward zero as users move over; failures point at the hook.
      </p>
      <BarChart
        id="legacy-chart"
        title="Legacy sessions exchanged and hook failures per day"
        days={dates}
        series={[
          { name: "Exchanged", color: COLORS.exchanged, values: o.days.map((d) => d.migrations) },
          { name: "Hook failures", color: COLORS.failed, values: o.days.map((d) => d.hook_failures) },
        ]}
      />
      <h3>Users created</h3>
      <BarChart
        id="users-chart"
        title="Users created per day, by source"
        days={dates}
        series={[
          {
            name: "Lazy migration",
            color: COLORS.migration,
            values: o.days.map((d) => d.users_created.migration),
          },
          { name: "Backfill", color: COLORS.backfill, values: o.days.map(backfill) },
          { name: "Sign-up", color: COLORS.signUp, values: o.days.map(signUp) },
        ]}
      />
      <details>
        <summary>The numbers, day by day</summary>
        <DataTable
          caption="Migration activity per day"
          columns={["Day", "Exchanged", "Hook failures", "Lazy migration", "Backfill", "Sign-up"]}
        >
          {[...o.days].reverse().map((d) => (
            <tr key={d.date}>
              <th scope="row">{d.date}</th>
              <td>{d.migrations}</td>
              <td>{d.hook_failures}</td>
              <td>{d.users_created.migration}</td>
              <td>{backfill(d)}</td>
              <td>{signUp(d)}</td>
            </tr>
          ))}
        </DataTable>
      </details>
    </>
  );
}
