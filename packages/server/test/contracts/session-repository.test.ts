import { afterAll, beforeAll, expect, it } from "vitest";
import type { SessionRecord } from "../../src/domain/sessions/session-repository.js";
import { newId } from "../../src/domain/shared/new-id.js";
import type { Store } from "../../src/domain/shared/store.js";
import { createStore } from "../../src/storage/kysely-store.js";
import { contractStore, contractUser, CONTRACT_NOW as now } from "../support/contract-store.js";
import { describeEachDatabase, type TestDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: SessionRepository", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  let appId: string;
  let otherAppId: string;
  let userId: string;
  beforeAll(async () => {
    const c = await contractStore(dialect, ["asessions1", "asessions2"]);
    ({ store, t, appId } = c);
    otherAppId = c.otherAppId!;
    userId = await contractUser(store, appId, "session-owner");
  });
  afterAll(() => t.drop());

  const session = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
    id: newId("ses"),
    appId,
    userId,
    jkt: "jkt-1",
    method: "password",
    scopes: ["a"],
    groupIds: [],
    userAgent: "agent",
    ip: "192.0.2.1",
    generation: 1,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 3_600_000,
    idleExpiresAt: now + 600_000,
    revokedAt: null,
    revokedReason: null,
    ...overrides,
  });

  it("creates a session with its first refresh token and finds both through the token, in one app only", async () => {
    const s = session();
    await store.sessions.create(s, "hash-first");
    expect(await store.sessions.get(appId, s.id)).toEqual(s);
    expect(await store.sessions.get(otherAppId, s.id)).toBeNull();
    const found = await store.sessions.findByRefreshToken(appId, "hash-first");
    expect(found).toEqual({
      session: s,
      token: { tokenSha256: "hash-first", sessionId: s.id, generation: 1, createdAt: now, spentAt: null },
      user: {
        id: userId,
        externalId: "session-owner",
        status: "active",
        scopes: [],
        grants: [],
        readProfile: expect.any(Function),
        tokenConfigVersion: expect.any(Number),
      },
    });
    expect(found?.user.readProfile()).toEqual({});
    expect(await store.sessions.findByRefreshToken(otherAppId, "hash-first")).toBeNull();
    expect(await store.sessions.findByRefreshToken(appId, "hash-unknown")).toBeNull();
  });

  const rotation = (sessionId: string, presented: string, successor: string, jti: string) => ({
    appId,
    proofJti: jti,
    proofExpiresAt: now + 300_000,
    presentedSha256: presented,
    successorSha256: successor,
    sessionId,
    generation: 2,
    now: now + 1,
    idleExpiresAt: now + 700_000,
  });

  it("rotates a refresh token exactly once, even when rotated concurrently: spent, successor added, session touched", async () => {
    const s = session();
    await store.sessions.create(s, "hash-rot-1");
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.sessions.rotate(rotation(s.id, "hash-rot-1", `hash-rot-2-${i}`, `jti-rot-${i}`)),
      ),
    );
    expect(outcomes.filter((o) => o === "rotated")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "spent")).toHaveLength(7);
    expect((await store.sessions.findByRefreshToken(appId, "hash-rot-1"))?.token.spentAt).toBe(now + 1);
    const winner = outcomes.indexOf("rotated");
    const next = await store.sessions.findByRefreshToken(appId, `hash-rot-2-${winner}`);
    expect(next?.token).toMatchObject({ generation: 2, spentAt: null });
    expect(next?.session).toMatchObject({ generation: 2, lastSeenAt: now + 1, idleExpiresAt: now + 700_000 });
    // The losers added no successor; each left its proof's mark.
    for (const [i, o] of outcomes.entries()) {
      if (o === "spent") expect(await store.sessions.findByRefreshToken(appId, `hash-rot-2-${i}`)).toBeNull();
    }
    expect(await store.spentTokens.markSpent(appId, "dpop", "jti-rot-3", now + 300_000)).toBe(false);
  });

  it("rotates many sessions at once, each with its own outcome (PostgreSQL: one statement for the turn's rotations)", async () => {
    const sessions = Array.from({ length: 12 }, () => session());
    for (const [i, x] of sessions.entries()) await store.sessions.create(x, `hash-many-${i}`);
    // One token already spent and one proof already used, in the same turn as ten fresh rotations.
    expect(
      await store.sessions.rotate(rotation(sessions[0]!.id, "hash-many-0", "hash-many-0b", "jti-many-pre")),
    ).toBe("rotated");
    expect(await store.spentTokens.markSpent(appId, "dpop", "jti-many-used", now + 300_000)).toBe(true);
    // A store that reports each commit's size: the turn's rotations share one.
    const sizes: number[] = [];
    const observed = createStore(t.database, (requests) => sizes.push(requests));
    const outcomes = await Promise.all(
      sessions.map((x, i) =>
        observed.sessions.rotate(
          rotation(
            x.id,
            `hash-many-${i}`,
            `hash-many-${i}-next`,
            i === 1 ? "jti-many-used" : `jti-many-${i}`,
          ),
        ),
      ),
    );
    expect(outcomes).toEqual(["spent", "replayed", ...Array(10).fill("rotated")]);
    expect(Math.max(...sizes)).toBe(12);
    for (const [i, x] of sessions.entries()) {
      const next = await store.sessions.findByRefreshToken(appId, `hash-many-${i}-next`);
      if (i < 2) expect(next).toBeNull();
      else expect(next?.session).toMatchObject({ id: x.id, generation: 2, idleExpiresAt: now + 700_000 });
    }
    expect((await store.sessions.findByRefreshToken(appId, "hash-many-1"))?.token.spentAt).toBeNull();
  });

  it("writes nothing for a replayed proof, and joins a transaction that rolls back", async () => {
    const s = session();
    await store.sessions.create(s, "hash-rep-1");
    expect(await store.spentTokens.markSpent(appId, "dpop", "jti-used", now + 300_000)).toBe(true);
    expect(await store.sessions.rotate(rotation(s.id, "hash-rep-1", "hash-rep-2", "jti-used"))).toBe(
      "replayed",
    );
    expect((await store.sessions.findByRefreshToken(appId, "hash-rep-1"))?.token.spentAt).toBeNull();
    expect(await store.sessions.findByRefreshToken(appId, "hash-rep-2")).toBeNull();

    const undone = await store.transaction(async (tx, rollback) => {
      expect(await tx.sessions.rotate(rotation(s.id, "hash-rep-1", "hash-rep-3", "jti-rolled"))).toBe(
        "rotated",
      );
      return rollback("undone");
    });
    expect(undone).toBe("undone");
    expect((await store.sessions.findByRefreshToken(appId, "hash-rep-1"))?.token.spentAt).toBeNull();
    expect(await store.sessions.findByRefreshToken(appId, "hash-rep-3")).toBeNull();
    expect((await store.sessions.get(appId, s.id))?.generation).toBe(1);
    expect(await store.spentTokens.markSpent(appId, "dpop", "jti-rolled", now + 300_000)).toBe(true);
  });

  it("finds many tokens at once, each only in its own app (PostgreSQL: one query for the turn's reads)", async () => {
    const sessions = Array.from({ length: 6 }, () => session());
    for (const [i, x] of sessions.entries()) await store.sessions.create(x, `hash-read-${i}`);
    const found = await Promise.all([
      ...sessions.map((_, i) => store.sessions.findByRefreshToken(appId, `hash-read-${i}`)),
      store.sessions.findByRefreshToken(otherAppId, "hash-read-0"),
      store.sessions.findByRefreshToken(appId, "hash-read-unknown"),
      store.sessions.findByRefreshToken(appId, "hash-read-1", { withIdentifiers: true }),
    ]);
    expect(found.slice(0, 6).map((f) => f?.session.id)).toEqual(sessions.map((x) => x.id));
    expect(found.slice(0, 6).map((f) => f?.token.tokenSha256)).toEqual(
      sessions.map((_, i) => `hash-read-${i}`),
    );
    expect(found[6]).toBeNull();
    expect(found[7]).toBeNull();
    expect(found[8]?.session.id).toBe(sessions[1]?.id);
    expect(found[8]?.user.identifiers).toEqual([]);
  });

  const start = (x: SessionRecord, i: string, marks: { proof?: string; challenge?: string } = {}) => ({
    session: x,
    firstTokenSha256: `hash-start-${i}`,
    ...(marks.proof && { proof: { jti: marks.proof, expiresAt: now + 300_000 } }),
    ...(marks.challenge && { challenge: { jti: marks.challenge, expiresAt: now + 300_000 } }),
    event: {
      id: newId("evt", now),
      appId,
      type: "user.session.created" as const,
      payload: { session_id: x.id, n: i },
      createdAt: now,
    },
  });
  const eventsOf = async (sessionId: string) =>
    (await store.outbox.list(appId, { limit: 1000 })).filter(
      (e) => (e.payload as { session_id?: string }).session_id === sessionId,
    );

  it("starts sessions atomically: marks first, then session, first token and event; many at once in one commit", async () => {
    const sessions = Array.from({ length: 10 }, () => session());
    expect(await store.spentTokens.markSpent(appId, "dpop", "jti-start-used", now + 300_000)).toBe(true);
    expect(await store.spentTokens.markSpent(appId, "challenge", "chl-start-used", now + 300_000)).toBe(true);
    const sizes: number[] = [];
    const observed = createStore(t.database, (requests) => sizes.push(requests));
    const outcomes = await Promise.all(
      sessions.map((x, i) =>
        observed.sessions.start(
          start(
            x,
            String(i),
            i === 0
              ? { proof: "jti-start-used", challenge: "chl-start-0" }
              : i === 1
                ? { proof: "jti-start-1", challenge: "chl-start-used" }
                : i === 2
                  ? {}
                  : { proof: `jti-start-${i}`, challenge: `chl-start-${i}` },
          ),
        ),
      ),
    );
    expect(outcomes).toEqual(["replayed", "challenge_spent", ...Array(8).fill("started")]);
    expect(Math.max(...sizes)).toBe(10);
    for (const [i, x] of sessions.entries()) {
      const found = await store.sessions.findByRefreshToken(appId, `hash-start-${i}`);
      expect(await eventsOf(x.id)).toHaveLength(i < 2 ? 0 : 1);
      if (i < 2) expect(found).toBeNull();
      else expect(found?.session).toEqual(x);
    }
    // A replayed proof wrote nothing: the challenge is still unspent. A spent challenge left its proof's mark.
    expect(await store.spentTokens.markSpent(appId, "challenge", "chl-start-0", now + 300_000)).toBe(true);
    expect(await store.spentTokens.markSpent(appId, "dpop", "jti-start-1", now + 300_000)).toBe(false);
  });

  it("a start joins a transaction that rolls back", async () => {
    const x = session();
    const undone = await store.transaction(async (tx, rollback) => {
      expect(await tx.sessions.start(start(x, "rolled", { proof: "jti-start-rolled" }))).toBe("started");
      return rollback("undone");
    });
    expect(undone).toBe("undone");
    expect(await store.sessions.get(appId, x.id)).toBeNull();
    expect(await eventsOf(x.id)).toEqual([]);
    expect(await store.spentTokens.markSpent(appId, "dpop", "jti-start-rolled", now + 300_000)).toBe(true);
  });

  it("replaces scopes only from the expected ones (compare and set)", async () => {
    const s = session({ scopes: ["prld:pwd:write", "b"] });
    await store.sessions.create(s, "hash-scopes");
    expect(await store.sessions.replaceScopes(s.id, ["other"], ["b"])).toBe(false);
    expect(await store.sessions.replaceScopes(s.id, ["prld:pwd:write", "b"], ["b"])).toBe(true);
    expect(await store.sessions.replaceScopes(s.id, ["prld:pwd:write", "b"], ["b"])).toBe(false);
    expect((await store.sessions.get(appId, s.id))?.scopes).toEqual(["b"]);
  });

  it("revokes once, lists only active sessions newest first, and revokes all but one", async () => {
    const owner = await contractUser(store, appId);
    const mine = (overrides: Partial<SessionRecord>) => session({ userId: owner, ...overrides });
    const a = mine({ id: newId("ses", now) });
    const b = mine({ id: newId("ses", now + 1) });
    const c = mine({ id: newId("ses", now + 2) });
    const expired = mine({ id: newId("ses", now + 3), expiresAt: now - 1 });
    const idle = mine({ id: newId("ses", now + 4), idleExpiresAt: now - 1 });
    for (const [i, x] of [a, b, c, expired, idle].entries()) await store.sessions.create(x, `hash-list-${i}`);
    expect((await store.sessions.listActive(appId, owner, now)).map((x) => x.id)).toEqual([c.id, b.id, a.id]);
    expect(await store.sessions.revoke(appId, a.id, now, "logout")).toBe(true);
    expect(await store.sessions.revoke(appId, a.id, now, "logout")).toBe(false);
    expect(await store.sessions.revoke(otherAppId, b.id, now, "logout")).toBe(false);
    expect(await store.sessions.get(appId, a.id)).toMatchObject({ revokedAt: now, revokedReason: "logout" });
    expect(
      (await store.sessions.revokeAllOfUser(appId, owner, now, "user_revoked_others", c.id)).sort(),
    ).toEqual([b.id, expired.id, idle.id].sort());
    expect((await store.sessions.listActive(appId, owner, now)).map((x) => x.id)).toEqual([c.id]);
  });

  it("purges sessions that ended before the cutoff, with their refresh tokens, and keeps the rest", async () => {
    const owner = await contractUser(store, appId);
    const live = session({ userId: owner });
    const revoked = session({ userId: owner, revokedAt: now - 10, revokedReason: "logout" });
    const expired = session({ userId: owner, expiresAt: now - 10 });
    for (const [i, x] of [live, revoked, expired].entries())
      await store.sessions.create(x, `hash-purge-${i}`);
    await store.sessions.purgeEnded(now);
    expect(await store.sessions.get(appId, live.id)).not.toBeNull();
    expect(await store.sessions.get(appId, revoked.id)).toBeNull();
    expect(await store.sessions.get(appId, expired.id)).toBeNull();
    expect(await store.sessions.findByRefreshToken(appId, "hash-purge-1")).toBeNull();
    expect(await store.sessions.findByRefreshToken(appId, "hash-purge-0")).not.toBeNull();
  });
});
