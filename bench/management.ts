import { randomBytes } from "node:crypto";
import { Pool } from "undici";
import { type LoadOptions, runLoad, type Stats } from "./load.js";
import type { ServerProcess } from "./server-process.js";

/** create user (one transaction: user, identifier, outbox) and get-by-external_id. */
export async function benchManagement(
  server: ServerProcess,
  options: LoadOptions,
): Promise<[string, Stats][]> {
  const pool = new Pool(server.base, { connections: options.concurrency, pipelining: 1 });
  const headers = { authorization: `Bearer ${server.apiKey}`, "content-type": "application/json" };
  const prefix = `/v2/session/apps/${server.appId}`;
  const run = randomBytes(3).toString("hex");
  const call = async (method: "GET" | "POST", path: string, body: string | null, expect: number) => {
    const res = await pool.request({ method, path, headers, body });
    await res.body.dump();
    return res.statusCode === expect;
  };
  try {
    let next = 0;
    const create = await runLoad(options, () => {
      const i = next++;
      return call(
        "POST",
        `${prefix}/users`,
        JSON.stringify({
          external_id: `bench-${run}-${i}`,
          identifiers: [{ type: "email_address", value: `bench-${run}-${i}@example.com` }],
          profile: { first_name: "Bench", n: i },
        }),
        201,
      );
    });
    const created = next;
    let j = 0;
    const lookup = await runLoad(options, () =>
      call("GET", `${prefix}/users?external_id=bench-${run}-${(j++ * 7919) % created}`, null, 200),
    );
    return [
      ["create user (POST /users)", create],
      ["get by external_id (GET /users?external_id=)", lookup],
    ];
  } finally {
    await pool.close();
  }
}
