import { afterAll, beforeAll, expect, it } from "vitest";
import type { OtpConfigRecord, OtpVerificationRecord } from "../../src/domain/login/otp/otp-repository.js";
import { newId } from "../../src/domain/shared/new-id.js";
import type { Store } from "../../src/domain/shared/store.js";
import { contractStore, CONTRACT_NOW as now } from "../support/contract-store.js";
import { describeEachDatabase, type TestDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: OtpRepository", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  let appId: string;
  let otherAppId: string;
  beforeAll(async () => {
    const c = await contractStore(dialect, ["aotp1", "aotp2"]);
    ({ store, t, appId } = c);
    otherAppId = c.otherAppId!;
  });
  afterAll(() => t.drop());

  const config = (overrides: Partial<OtpConfigRecord> = {}): OtpConfigRecord => ({
    id: newId("lcfg"),
    appId,
    channel: "email",
    isDefault: false,
    templateId: null,
    senderId: null,
    grantedScopes: [],
    delivery: {
      type: "http",
      url: "https://sms.example.com",
      headerNames: ["x-key"],
      headersSealed: "v1.sealed",
    },
    createdAt: now,
    updatedAt: now,
    ...overrides,
  });
  const verification = (overrides: Partial<OtpVerificationRecord> = {}): OtpVerificationRecord => ({
    id: newId("otp"),
    flow: "web",
    appId,
    tokenSha256: newId("tok"),
    configId: "lcfg_x",
    identifier: { type: "email_address", value: "v@example.com" },
    codeMac: "mac-1",
    codeChallenge: null,
    attempts: 0,
    sends: 1,
    lastSentAt: now,
    expiresAt: now + 600_000,
    consumedAt: null,
    createdAt: now,
    challengeStep: null,
    ...overrides,
  });

  it("keeps configs per app, replaces and deletes them, and clears a channel's other defaults", async () => {
    const a = config({ isDefault: true });
    const b = config({ isDefault: true, channel: "email" });
    const sms = config({ isDefault: true, channel: "sms" });
    for (const c of [a, b, sms]) await store.otp.createConfig(c);
    expect(await store.otp.getConfig(appId, a.id)).toEqual(a);
    expect(await store.otp.getConfig(otherAppId, a.id)).toBeNull();
    await store.otp.clearDefault(appId, "email", b.id);
    const listed = await store.otp.listConfigs(appId);
    expect(listed.map((c) => c.id)).toEqual([a.id, b.id, sms.id].sort());
    expect(
      listed
        .filter((c) => c.isDefault)
        .map((c) => c.id)
        .sort(),
    ).toEqual([b.id, sms.id].sort());
    expect(await store.otp.replaceConfig({ ...a, senderId: "Acme", updatedAt: now + 1 })).toBe(true);
    expect(await store.otp.getConfig(appId, a.id)).toMatchObject({ senderId: "Acme", updatedAt: now + 1 });
    expect(await store.otp.replaceConfig(config({ id: "lcfg_missing" }))).toBe(false);
    expect(await store.otp.deleteConfig(otherAppId, a.id)).toBe(false);
    expect(await store.otp.deleteConfig(appId, a.id)).toBe(true);
    expect(await store.otp.deleteConfig(appId, a.id)).toBe(false);
  });

  it("finds a verification by token in its app, counts checks atomically, and is consumed once", async () => {
    const v = verification({ flow: "native", codeChallenge: "c".repeat(43) });
    await store.otp.insertVerification(v);
    expect(await store.otp.findVerification(appId, v.tokenSha256)).toEqual(v);
    expect(await store.otp.findVerification(otherAppId, v.tokenSha256)).toBeNull();
    const counts = await Promise.all(Array.from({ length: 6 }, () => store.otp.countAttempt(v.id)));
    expect(counts.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    const consumed = await Promise.all([store.otp.consume(v.id, now + 1), store.otp.consume(v.id, now + 1)]);
    expect(consumed.filter(Boolean)).toHaveLength(1);
    expect((await store.otp.findVerification(appId, v.tokenSha256))?.consumedAt).toBe(now + 1);
  });

  it("records a resend with its new code only while checks remain and the verification is open", async () => {
    const v = verification();
    await store.otp.insertVerification(v);
    await store.otp.countAttempt(v.id);
    expect(await store.otp.recordResend(v.id, "mac-2", now + 30_000, 5)).toBe(true);
    expect(await store.otp.findVerification(appId, v.tokenSha256)).toMatchObject({
      codeMac: "mac-2",
      sends: 2,
      lastSentAt: now + 30_000,
      attempts: 1,
    });
    expect(await store.otp.recordResend(v.id, "mac-3", now + 60_000, 1)).toBe(false);
    await store.otp.consume(v.id, now + 61_000);
    expect(await store.otp.recordResend(v.id, "mac-3", now + 90_000, 5)).toBe(false);
  });

  it("lists dev messages newest first up to the limit, and purges what expired", async () => {
    for (let i = 0; i < 3; i++) {
      await store.otp.addDevMessage({
        id: newId("msg", now + i),
        appId,
        channel: "email",
        to: `m${i}@example.com`,
        code: `00000${i}`,
        body: "b",
        createdAt: now + i,
      });
    }
    expect((await store.otp.listDevMessages(appId, 2)).map((m) => m.to)).toEqual([
      "m2@example.com",
      "m1@example.com",
    ]);
    expect(await store.otp.listDevMessages(otherAppId, 10)).toEqual([]);
    const old = verification({ expiresAt: now - 1 });
    await store.otp.insertVerification(old);
    expect(await store.otp.purge(now, now + 2)).toBeGreaterThanOrEqual(3);
    expect(await store.otp.findVerification(appId, old.tokenSha256)).toBeNull();
    expect((await store.otp.listDevMessages(appId, 10)).map((m) => m.to)).toEqual(["m2@example.com"]);
  });
});
