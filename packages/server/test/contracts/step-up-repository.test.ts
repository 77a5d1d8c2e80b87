import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../src/domain/shared/new-id.js";
import type { Store } from "../../src/domain/shared/store.js";
import type {
  StepUpChallengeRecord,
  StepUpGrantRecord,
} from "../../src/domain/step-up/step-up-repository.js";
import { contractStore, contractUser, CONTRACT_NOW as now } from "../support/contract-store.js";
import { describeEachDatabase, type TestDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: StepUpRepository", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  let appId: string;
  let otherAppId: string;
  let userId: string;
  let sessionId: string;
  let otherSessionId: string;
  beforeAll(async () => {
    const c = await contractStore(dialect, ["astepup1", "astepup2"]);
    ({ store, t, appId } = c);
    otherAppId = c.otherAppId!;
    userId = await contractUser(store, appId);
    const session = (id: string) => ({
      id,
      appId,
      userId,
      jkt: "jkt",
      method: "otp",
      scopes: [],
      groupIds: [],
      userAgent: null,
      ip: null,
      generation: 1,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + 3_600_000,
      idleExpiresAt: now + 3_600_000,
      revokedAt: null,
      revokedReason: null,
    });
    sessionId = newId("ses");
    otherSessionId = newId("ses");
    await store.sessions.create(session(sessionId), newId("h"));
    await store.sessions.create(session(otherSessionId), newId("h"));
  });
  afterAll(() => t.drop());

  const challenge = (overrides: Partial<StepUpChallengeRecord> = {}): StepUpChallengeRecord => ({
    id: newId("chl"),
    appId,
    userId,
    sessionId,
    scope: "transfer",
    grantMode: "session-bound",
    grantedFor: 600,
    steps: [
      { order: 1, key: "verify_email", expiration_duration: 600 },
      { order: 2, key: "kyc", expiration_duration: 60 },
    ],
    stepsDone: 0,
    tokenJti: "jti-0",
    metadata: { amount: "5" },
    registerIdentifier: { type: "email_address", value: "new@example.com" },
    expiresAt: now + 600_000,
    spentAt: null,
    createdAt: now,
    ...overrides,
  });
  const grant = (overrides: Partial<StepUpGrantRecord> = {}): StepUpGrantRecord => ({
    id: newId("grt"),
    appId,
    userId,
    sessionId,
    scope: "prld:pwd:write",
    grantMode: "session-bound",
    expiresAt: now + 60_000,
    createdAt: now,
    ...overrides,
  });

  it("keeps a challenge per app and advances it once per token, even concurrently", async () => {
    const c = challenge();
    await store.stepUp.createChallenge(c);
    expect(await store.stepUp.getChallenge(appId, c.id)).toEqual(c);
    expect(await store.stepUp.getChallenge(otherAppId, c.id)).toBeNull();
    const next = { stepsDone: 1, tokenJti: "jti-1", expiresAt: now + 60_000 };
    const wins = await Promise.all(
      Array.from({ length: 6 }, () => store.stepUp.advance(c.id, "jti-0", next)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await store.stepUp.getChallenge(appId, c.id)).toEqual({ ...c, ...next });
    expect(await store.stepUp.advance(c.id, "jti-0", { ...next, tokenJti: "jti-x" })).toBe(false);
  });

  it("spends a challenge once, by its current token only", async () => {
    const c = challenge({ stepsDone: 2, steps: [] });
    await store.stepUp.createChallenge(c);
    expect(await store.stepUp.spend(c.id, "another", now)).toBe(false);
    const spends = await Promise.all(Array.from({ length: 6 }, () => store.stepUp.spend(c.id, "jti-0", now)));
    expect(spends.filter(Boolean)).toHaveLength(1);
    expect((await store.stepUp.getChallenge(appId, c.id))?.spentAt).toBe(now);
    expect(await store.stepUp.advance(c.id, "jti-0", { stepsDone: 3, tokenJti: "n", expiresAt: now })).toBe(
      false,
    );
  });

  it("consumes one live grant of the session or the user's profile, the session's own first", async () => {
    await store.stepUp.addGrant(
      grant({ sessionId: null, grantMode: "profile-bound", expiresAt: now + 10_000 }),
    );
    await store.stepUp.addGrant(grant());
    await store.stepUp.addGrant(grant({ sessionId: otherSessionId }));
    await store.stepUp.addGrant(grant({ scope: "other" }));
    await store.stepUp.addGrant(grant({ expiresAt: now - 1 }));
    const consume = () => store.stepUp.consumeGrant(appId, userId, sessionId, "prld:pwd:write", now);
    expect(await store.stepUp.consumeGrant(otherAppId, userId, sessionId, "prld:pwd:write", now)).toBe(false);
    expect(await consume()).toBe(true);
    expect(await consume()).toBe(true);
    // The other session's grant and the expired one are not this session's to use.
    expect(await consume()).toBe(false);
    expect(await store.stepUp.consumeGrant(appId, userId, otherSessionId, "prld:pwd:write", now)).toBe(true);
  });

  it("purges challenges and grants that ended", async () => {
    const t2 = now + 86_400_000;
    await store.stepUp.createChallenge(challenge({ expiresAt: t2 + 1 }));
    const purged = await store.stepUp.purge(t2);
    expect(purged).toBeGreaterThanOrEqual(4);
    expect(await store.stepUp.purge(t2)).toBe(0);
    expect(await store.stepUp.purge(t2 + 2)).toBe(1);
  });
});
