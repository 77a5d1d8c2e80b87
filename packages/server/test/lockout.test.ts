import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/**
 * NIST 800-63B §5.2.2: the per-identifier limits bound guessing without handing strangers a way
 * to lock an account's owner out (docs/security.md, "Guessing and lockout").
 */
describeEachDatabase("no lockout by strangers", (dialect) => {
  let s: TestServer;
  let host: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost`;
    // The documented defaults: 10 wrong guesses per email per 10 minutes, 100 attempts per IP.
    await s.mgmt("POST", "/config/login/password", {});
  });
  afterAll(() => s.close());

  const send = (path: string, body: unknown, ip: string) =>
    s.inject({
      method: "POST",
      url: `/v1/session${path}`,
      headers: { host, "content-type": "application/json" },
      payload: JSON.stringify(body),
      remoteAddress: ip,
    });
  const password = (email: string, secret: string, ip: string) =>
    send("/login/email/password", { identifier: email, password: secret }, ip);
  const atWindowStart = (windowMs: number) => s.clock.advance(windowMs - (s.clock.now() % windowMs) + 10);
  const owner = async (email: string) =>
    expect(
      (
        await s.mgmt("POST", "/users", {
          identifiers: [{ value: email }],
          password: "the owner's password",
        })
      ).status,
    ).toBe(201);

  it("password: a stranger's wrong guesses cost the stranger's IP, never the owner", async () => {
    await owner("owner@example.com");
    atWindowStart(600_000);
    const stranger = [];
    for (let i = 0; i < 12; i++)
      stranger.push((await password("owner@example.com", `guess ${i}`, "198.51.100.1")).status);
    // Half the email's limit from one IP, then that IP waits for the window to end.
    expect(stranger).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    // The owner, from anywhere else, signs in at once — and keeps doing so: right passwords do not count.
    for (let i = 0; i < 15; i++)
      expect((await password("owner@example.com", "the owner's password", "203.0.113.7")).status).toBe(200);
  });

  it("password: many strangers only slow the email down, and the owner gets the next turn", async () => {
    await owner("popular@example.com");
    atWindowStart(600_000);
    const answers: number[] = [];
    // Each stranger IP guesses once: the ten free guesses, one slowed-down turn, then a wait.
    for (let i = 0; i < 12; i++)
      answers.push((await password("popular@example.com", "a guess", `198.51.100.${10 + i}`)).status);
    expect(answers).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 429]);
    const wait = await password("popular@example.com", "the owner's password", "203.0.113.8");
    expect(wait.status).toBe(429);
    s.clock.advance(Number(wait.headers["retry-after"]) * 1000);
    expect((await password("popular@example.com", "the owner's password", "203.0.113.8")).status).toBe(200);
  });

  it("OTP: one IP gets five codes an hour for an identifier, and cannot keep its owner from one", async () => {
    const otp = (ip: string) => send("/otp", { identifier: { value: "+33699000001" } }, ip);
    atWindowStart(3_600_000);
    const stranger = [];
    for (let i = 0; i < 8; i++) stranger.push((await otp("198.51.100.200")).status);
    expect(stranger).toEqual([204, 204, 204, 204, 204, 429, 429, 429]);
    expect((await otp("203.0.113.9")).status).toBe(204);
  });

  it("OTP: many strangers only slow the sends down, so a phone cannot be flooded", async () => {
    const otp = (ip: string) => send("/otp", { identifier: { value: "+33699000002" } }, ip);
    atWindowStart(3_600_000);
    const answers: number[] = [];
    // Eight free codes an hour, then one per growing spacing, whoever asks.
    for (let i = 0; i < 11; i++) answers.push((await otp(`198.51.100.${100 + i}`)).status);
    expect(answers).toEqual([204, 204, 204, 204, 204, 204, 204, 204, 204, 429, 429]);
    const wait = await otp("203.0.113.10");
    expect(wait.status).toBe(429);
    s.clock.advance(Number(wait.headers["retry-after"]) * 1000);
    expect((await otp("203.0.113.10")).status).toBe(204);
    const sent = ((await s.mgmt("GET", "/dev/messages")).body.messages as { to: string }[]).filter(
      (m) => m.to === "+33699000002",
    );
    expect(sent).toHaveLength(10);
  });
});
