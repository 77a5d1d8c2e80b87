import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULT_LIFETIMES } from "../src/domain/apps/session-lifetimes.js";
import type { UserRecord } from "../src/domain/identity/user-repository.js";
import { newId } from "../src/domain/shared/new-id.js";
import type { Store } from "../src/domain/shared/store.js";
import { GROUP_COMMIT_MAX, groupCommit } from "../src/storage/group-commit.js";
import { createStore } from "../src/storage/kysely-store.js";
import { KyselyUserRepository } from "../src/storage/kysely-user-repository.js";
import { loadMigrations, migrate } from "../src/storage/migrate.js";
import { preparedQuery } from "../src/storage/prepared-query.js";
import { runCliProcess } from "./support/run-cli.js";
import { createTestDatabase, describeEachDatabase, type TestDatabase } from "./support/test-databases.js";

describeEachDatabase("storage contract", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  const now = Date.UTC(2026, 0, 1);
  const appId = "acontract1";
  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    store = createStore(t.database);
    await store.apps.create({
      id: appId,
      name: "contract",
      mode: "dev",
      tokenAlg: "ES256",
      ...DEFAULT_LIFETIMES,
      createdAt: now,
      updatedAt: now,
    });
  });
  afterAll(() => t.drop());

  const user = (overrides: Partial<UserRecord> = {}): UserRecord => ({
    id: newId("usr"),
    appId,
    externalId: null,
    status: "active",
    profile: {},
    passwordHash: null,
    createdAt: now,
    updatedAt: now,
    identifiers: [],
    scopes: [],
    groups: [],
    ...overrides,
  });

  it("reports the dialect it runs on", () => {
    expect(store.dialect).toBe(dialect);
  });

  it("stores and reads apps, and changes their mode", async () => {
    expect(await store.apps.get(appId)).toEqual({
      id: appId,
      name: "contract",
      mode: "dev",
      tokenAlg: "ES256",
      ...DEFAULT_LIFETIMES,
      createdAt: now,
      updatedAt: now,
    });
    await store.apps.setTokenAlg(appId, "RS256", now + 1);
    expect(await store.apps.get(appId)).toMatchObject({ tokenAlg: "RS256", updatedAt: now + 1 });
    await store.apps.setTokenAlg(appId, "ES256", now + 2);
    await store.apps.setMode(appId, "prod", now + 5);
    expect(await store.apps.get(appId)).toMatchObject({ mode: "prod", updatedAt: now + 5 });
    await store.apps.setMode(appId, "dev", now + 6);
    expect(await store.apps.get("nope")).toBeNull();
    expect((await store.apps.list()).map((a) => a.id)).toContain(appId);
  });

  it("finds active API keys by hash and forgets revoked ones", async () => {
    const key = { id: newId("key"), appId, name: "k", hint: "ovk_abcd…", createdAt: now, revokedAt: null };
    await store.apiKeys.create({ ...key, secretSha256: "a".repeat(64) });
    expect(await store.apiKeys.findActiveBySecret("a".repeat(64))).toEqual({
      key,
      app: expect.objectContaining({ id: appId, name: "contract" }),
    });
    expect(await store.apiKeys.findActiveBySecret("b".repeat(64))).toBeNull();
    expect(await store.apiKeys.revoke("otherapp", key.id, now)).toBe(false);
    expect(await store.apiKeys.revoke(appId, key.id, now + 1)).toBe(true);
    expect(await store.apiKeys.revoke(appId, key.id, now + 2)).toBe(false);
    expect(await store.apiKeys.findActiveBySecret("a".repeat(64))).toBeNull();
    expect((await store.apiKeys.list(appId)).find((k) => k.id === key.id)?.revokedAt).toBe(now + 1);
  });

  it("round-trips users with profile JSON, identifiers in insertion order and large timestamps", async () => {
    const u = user({
      externalId: "c-1",
      profile: { nested: { list: [1, "two", null] }, unicode: "żółw 🐢" },
    });
    await store.users.insert(u);
    await store.users.insertIdentifier(
      appId,
      u.id,
      { type: "phone_number", value: "+33612345678" },
      newId("idt"),
      now,
    );
    await store.users.insertIdentifier(
      appId,
      u.id,
      { type: "email_address", value: "c1@example.com" },
      newId("idt"),
      now,
    );
    const read = await store.users.get(appId, u.id);
    expect(read).toEqual({
      ...u,
      identifiers: [
        { type: "phone_number", value: "+33612345678" },
        { type: "email_address", value: "c1@example.com" },
      ],
    });
    expect(typeof read?.createdAt).toBe("number");
    expect(await store.users.get("otherapp", u.id)).toBeNull();
  });

  it("reports a taken external_id, identifier or host as a result, writing nothing", async () => {
    expect(await store.users.insert(user({ externalId: "c-unique" }))).toBe("inserted");
    const loser = user({ externalId: "c-unique" });
    expect(await store.users.insert(loser)).toBe("external_id_taken");
    expect(await store.users.get(appId, loser.id)).toBeNull();

    const owner = user();
    expect(await store.users.insert(owner)).toBe("inserted");
    const email = { type: "email_address", value: "u@x.co" } as const;
    expect(await store.users.insertIdentifier(appId, owner.id, email, newId("idt"), now)).toBe("inserted");
    const other = user();
    await store.users.insert(other);
    expect(await store.users.insertIdentifier(appId, other.id, email, newId("idt"), now)).toBe(
      "identifier_taken",
    );
    expect(await store.users.insertIdentifier(appId, owner.id, email, newId("idt"), now)).toBe(
      "identifier_taken",
    );
    expect((await store.users.get(appId, other.id))?.identifiers).toEqual([]);

    expect(await store.users.setExternalId(appId, other.id, "c-unique", now)).toBe("external_id_taken");
    expect(await store.users.setExternalId(appId, other.id, "c-free", now)).toBe("updated");
    expect(await store.users.setExternalId(appId, "usr_nobody", "c-free-2", now)).toBe("not_found");
    expect((await store.users.get(appId, other.id))?.externalId).toBe("c-free");

    const domain = (id: string) => ({
      id,
      appId,
      host: "auth.contract.example",
      status: "pending" as const,
      cnameTarget: "x.localhost",
      createdAt: now,
      updatedAt: now,
      verifiedAt: null,
    });
    expect(await store.domains.create(domain("dom_first"))).toBe("created");
    expect(await store.domains.create(domain("dom_second"))).toBe("host_taken");
    expect(await store.domains.get(appId, "dom_second")).toBeNull();

    // Users without external_id never collide.
    expect(await store.users.insert(user())).toBe("inserted");
    expect(await store.users.insert(user())).toBe("inserted");
  });

  it("rolls back a transaction's writes when its work calls rollback, answering the value", async () => {
    const kept = user({ externalId: "rb-kept" });
    await store.users.insert(kept);
    const lost = user({ externalId: "rb-lost" });
    const answer = await store.transaction<string>(async (tx, rollback) => {
      await tx.users.insert(lost);
      if ((await tx.users.insert(user({ externalId: "rb-kept" }))) === "external_id_taken") rollback("taken");
      return "committed";
    });
    expect(answer).toBe("taken");
    expect(await store.users.get(appId, lost.id)).toBeNull();
    // A failed UPDATE inside the transaction (PostgreSQL aborts it) rolls back the same way.
    const renamed = await store.transaction<string>(async (tx, rollback) => {
      await tx.users.update(appId, kept.id, { profile: { touched: true } }, now);
      if ((await tx.users.setExternalId(appId, kept.id, "c-unique", now)) === "external_id_taken")
        rollback("taken");
      return "committed";
    });
    expect(renamed).toBe("taken");
    expect((await store.users.get(appId, kept.id))?.profile).toEqual({});
  });

  it("filters and pages users by id", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const u = user({ externalId: `page-${i}` });
      await store.users.insert(u);
      ids.push(u.id);
    }
    const all = await store.users.list(appId, { limit: 1000 });
    const positions = ids.map((id) => all.findIndex((u) => u.id === id));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const after = await store.users.list(appId, { afterId: ids[1]!, limit: 2 });
    expect(after.map((u) => u.id)).toEqual([ids[2], ids[3]]);
    expect((await store.users.list(appId, { externalId: "page-4", limit: 10 })).map((u) => u.id)).toEqual([
      ids[4],
    ]);
    const byExt = await store.users.findByExternalIds(appId, ["page-0", "page-3", "nope"]);
    expect(byExt.map((u) => u.id)).toEqual([ids[0], ids[3]]);
    expect(await store.users.findByExternalIds(appId, [])).toEqual([]);
  });

  it("updates only the given fields and deletes identifiers and users", async () => {
    const u = user({ externalId: "upd", profile: { a: 1 } });
    await store.users.insert(u);
    await store.users.insertIdentifier(
      appId,
      u.id,
      { type: "email_address", value: "upd@x.co" },
      newId("idt"),
      now,
    );
    expect(await store.users.update(appId, u.id, { status: "disabled" }, now + 10)).toBe(true);
    expect(await store.users.get(appId, u.id)).toMatchObject({
      status: "disabled",
      externalId: "upd",
      profile: { a: 1 },
      updatedAt: now + 10,
    });
    expect(await store.users.update(appId, "usr_missing", { status: "active" }, now)).toBe(false);
    expect(await store.users.deleteIdentifier(appId, u.id, { type: "email_address", value: "no@x.co" })).toBe(
      false,
    );
    expect(
      await store.users.findByIdentifiers(appId, [{ type: "email_address", value: "upd@x.co" }]),
    ).toHaveLength(1);
    expect(await store.users.delete(appId, u.id)).toBe(true);
    expect(await store.users.delete(appId, u.id)).toBe(false);
    // The identifier went with its user.
    expect(
      await store.users.findByIdentifiers(appId, [{ type: "email_address", value: "upd@x.co" }]),
    ).toEqual([]);
  });

  it("commits a transaction whole or not at all", async () => {
    const kept = user({ externalId: "tx-kept" });
    await store.transaction(async (tx) => {
      await tx.users.insert(kept);
    });
    const lost = user({ externalId: "tx-lost" });
    await expect(
      store.transaction(async (tx) => {
        await tx.users.insert(lost);
        expect(await tx.users.get(appId, lost.id)).not.toBeNull();
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await store.users.get(appId, kept.id)).not.toBeNull();
    expect(await store.users.get(appId, lost.id)).toBeNull();
  });

  it("isolates concurrent transactions: one that fails or rolls back does so alone, the rest commit", async () => {
    await store.users.insert(user({ externalId: "group-taken" }));
    const users = Array.from({ length: 12 }, (_, i) => user({ externalId: `group-${i}` }));
    const results = await Promise.allSettled(
      users.map((u, i) =>
        store.transaction<number | string>(async (tx, rollback) => {
          await tx.users.insert(u);
          // One throws after writing; one finds a taken external_id after writing and rolls back.
          if (i === 3) throw new Error("abort 3");
          if (i === 7) {
            await tx.users.insert(user({ externalId: "group-7-second" }));
            if ((await tx.users.insert(user({ externalId: "group-taken" }))) === "external_id_taken")
              rollback("taken");
          }
          return i;
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(users.map((_, i) => (i === 3 ? "rejected" : "fulfilled")));
    expect(results[0]).toEqual({ status: "fulfilled", value: 0 });
    expect((results[3] as PromiseRejectedResult).reason).toEqual(new Error("abort 3"));
    expect(results[7]).toEqual({ status: "fulfilled", value: "taken" });
    for (const [i, u] of users.entries()) {
      expect(await store.users.get(appId, u.id), `user ${i}`).toEqual(
        i === 3 || i === 7 ? null : expect.objectContaining({ id: u.id }),
      );
    }
    expect(await store.users.findByExternalIds(appId, ["group-7-second"])).toEqual([]);
  });

  it("commits more concurrent transactions than one group holds", async () => {
    const users = Array.from({ length: GROUP_COMMIT_MAX * 2 + 5 }, (_, i) =>
      user({ externalId: `many-${i}` }),
    );
    await Promise.all(users.map((u) => store.transaction((tx) => tx.users.insert(u))));
    for (const u of users) expect(await store.users.get(appId, u.id)).not.toBeNull();
  });

  if (dialect === "sqlite") {
    it("commits the transactions of one event-loop turn together (group commit)", async () => {
      const framesInWal = async () => {
        const rows = await sql<{ log: number }>`pragma wal_checkpoint(PASSIVE)`.execute(t.database.db);
        return rows.rows[0]?.log ?? Number.NaN;
      };
      // WAL frames written by 20 small inserts into the same pages. Every commit writes each page it
      // dirtied, so committed one by one they write the pages 20 times; as one group, once.
      const framesFor20 = async (run: (inserts: (() => Promise<void>)[]) => Promise<void>) => {
        await sql`pragma wal_checkpoint(TRUNCATE)`.execute(t.database.db);
        expect(await framesInWal()).toBe(0);
        const users = Array.from({ length: 20 }, () => user({ externalId: newId("usr") }));
        await run(
          users.map((u) => async () => {
            await store.transaction((tx) => tx.users.insert(u));
          }),
        );
        return framesInWal();
      };
      const oneByOne = await framesFor20(async (inserts) => {
        for (const insert of inserts) await insert();
      });
      const together = await framesFor20(async (inserts) => {
        await Promise.all(inserts.map((insert) => insert()));
      });
      expect(oneByOne).toBeGreaterThanOrEqual(20 * 2);
      expect(together).toBeLessThan(oneByOne / 3);
    });

    it("fails every member of a group whose transaction SQLite ended, and keeps none of their writes", async () => {
      const transaction = groupCommit(t.database.db, (tx) => ({
        tx,
        users: new KyselyUserRepository(tx, dialect),
      }));
      const external = ["ended-a", "ended-b", "ended-c"];
      const results = await Promise.allSettled(
        external.map((externalId, i) =>
          transaction(async ({ tx, users }) => {
            await users.insert(user({ externalId }));
            // As an I/O error or a full disk would: the transaction is gone under the group.
            if (i === 1) await sql`rollback`.execute(tx);
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
      expect(await store.users.findByExternalIds(appId, external)).toEqual([]);
      // The connection is usable afterwards.
      await store.transaction((tx) => tx.users.insert(user({ externalId: "after-ended" })));
      expect(await store.users.findByExternalIds(appId, ["after-ended"])).toHaveLength(1);
    });
  }

  it("keeps outbox events in id order per app", async () => {
    const ids = [newId("evt"), newId("evt"), newId("evt")];
    for (const id of ids) {
      await store.outbox.append({ id, appId, type: "user.deleted", payload: { n: id }, createdAt: now });
    }
    const listed = await store.outbox.list(appId, { limit: 100 });
    expect(listed.slice(-3).map((e) => e.id)).toEqual(ids);
    expect((await store.outbox.list(appId, { afterId: ids[0]!, limit: 1 })).map((e) => e.id)).toEqual([
      ids[1],
    ]);
    expect(listed.at(-1)?.payload).toEqual({ n: ids[2] });
  });

  it("cascades an app's deletion to its keys, users, identifiers and events", async () => {
    const other = "acascade01";
    await store.apps.create({
      id: other,
      name: "c",
      mode: "dev",
      tokenAlg: "ES256",
      ...DEFAULT_LIFETIMES,
      createdAt: now,
      updatedAt: now,
    });
    const u = user({ appId: other });
    await store.users.insert(u);
    await store.users.insertIdentifier(
      other,
      u.id,
      { type: "email_address", value: "cas@x.co" },
      newId("idt"),
      now,
    );
    await store.outbox.append({
      id: newId("evt"),
      appId: other,
      type: "user.deleted",
      payload: {},
      createdAt: now,
    });
    await t.database.db.deleteFrom("apps").where("id", "=", other).execute();
    expect(await store.users.get(other, u.id)).toBeNull();
    expect(await store.outbox.list(other, { limit: 10 })).toEqual([]);
  });

  it("re-running migrations applies nothing", async () => {
    expect(await migrate(t.database)).toEqual([]);
    const names = (await t.database.db.selectFrom("overture_migrations").select("name").execute()).map(
      (r) => r.name,
    );
    expect(names).toEqual(loadMigrations(dialect).map((m) => m.name));
  });

  it("enforces foreign keys", async () => {
    const orphan = await store.users.insert(user({ appId: "no-such-app" })).catch((e: unknown) => e);
    expect(orphan).toBeInstanceOf(Error);
  });
});

describeEachDatabase("migrations from several nodes at once", (dialect) => {
  it("applies each migration exactly once when two server processes migrate together", async () => {
    const t = await createTestDatabase(dialect, { migrate: false });
    try {
      const env = { OVERTURE_DATABASE_URL: t.url };
      const runs = await Promise.all([
        runCliProcess(["db", "migrate"], env),
        runCliProcess(["db", "migrate"], env),
      ]);
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      const all = loadMigrations(dialect).map((m) => m.name);
      const applied = runs.flatMap((r) => /Applied: (.*)/.exec(r.stdout)?.[1]?.split(", ") ?? []);
      expect(applied.sort()).toEqual([...all].sort());
      const count = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM overture_migrations`.execute(
        t.database.db,
      );
      expect(Number(count.rows[0]?.n)).toBe(all.length);
    } finally {
      await t.drop();
    }
  });
});

describeEachDatabase("prepared queries", (dialect) => {
  it("compile once and run with each call's values, in and out of transactions", async () => {
    const t = await createTestDatabase(dialect);
    const { db } = t.database;
    try {
      const insert = preparedQuery(["appId", "jti", "expiresAt"], (q, v) =>
        q
          .insertInto("spent_tokens")
          .values({ app_id: v.appId, kind: "dpop", jti: v.jti, expires_at: v.expiresAt }),
      );
      const find = preparedQuery(["appId", "after"], (q, v) =>
        q
          .selectFrom("spent_tokens")
          .select(["jti", "kind", "expires_at"])
          .where("app_id", "=", v.appId)
          .where("expires_at", ">", v.after)
          .orderBy("jti"),
      );
      await insert(db, { appId: "p1", jti: "a", expiresAt: 10 });
      await db.transaction().execute(async (tx) => {
        await insert(tx, { appId: "p1", jti: "b", expiresAt: 20 });
        await insert(tx, { appId: "p2", jti: "c", expiresAt: 30 });
      });
      expect((await find(db, { appId: "p1", after: 0 })).rows).toEqual([
        { jti: "a", kind: "dpop", expires_at: 10 },
        { jti: "b", kind: "dpop", expires_at: 20 },
      ]);
      expect((await find(db, { appId: "p1", after: 10 })).rows).toEqual([
        { jti: "b", kind: "dpop", expires_at: 20 },
      ]);
      expect((await find(db, { appId: "p2", after: 0 })).rows).toEqual([
        { jti: "c", kind: "dpop", expires_at: 30 },
      ]);
    } finally {
      await t.drop();
    }
  });

  it("refuse a placeholder where no bound parameter goes", async () => {
    const t = await createTestDatabase(dialect);
    try {
      const unused = preparedQuery(["appId", "extra"], (q, v) =>
        q.selectFrom("spent_tokens").select("jti").where("app_id", "=", v.appId),
      );
      expect(() => unused(t.database.db, { appId: "p1", extra: 1 })).toThrow(/extra is not a bound/);
      const asColumn = preparedQuery(["column"], (q, v) =>
        q.selectFrom("spent_tokens").select("jti").orderBy(v.column),
      );
      expect(() => asColumn(t.database.db, { column: "jti" })).toThrow(/not a bound parameter/);
    } finally {
      await t.drop();
    }
  });
});
