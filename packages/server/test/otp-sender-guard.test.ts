import { errorCatalogue } from "@overture/protocol";
import { afterAll, beforeAll, expect, it } from "vitest";
import { logCapture } from "./support/log-capture.js";
import { startConnectionCounter } from "./support/receiver.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/**
 * The OTP senders are outbound calls an API-key holder points anywhere: in prod they follow the
 * migration hook's rules (https, no internal addresses at connect time), SMTP included, and a
 * failed send tells the anonymous caller nothing about the peer.
 */
describeEachDatabase("OTP senders: the outbound guard", (dialect) => {
  let s: TestServer;
  let host: string;
  let counter: Awaited<ReturnType<typeof startConnectionCounter>>;
  let tcpPort: number;
  const { lines, stream } = logCapture();
  beforeAll(async () => {
    s = await startTestServer(dialect, {}, { logger: { level: "info", stream } });
    host = `${s.appId}.localhost`;
    // Counts every connection that reaches it: a refused send must never get this far.
    counter = await startConnectionCounter();
    tcpPort = counter.port;
  });
  afterAll(async () => {
    await s.close();
    await counter.close();
  });

  const start = (value: string, on: TestServer = s) =>
    s.inject({
      method: "POST",
      url: "/v1/session/otp",
      headers: { host: on === s ? host : `${on.appId}.localhost`, "content-type": "application/json" },
      payload: JSON.stringify({ identifier: { value } }),
    });
  const lastFailure = async (on: TestServer = s) =>
    (await s.store.outbox.list(on.appId, { limit: 10_000 }))
      .filter((e) => e.type === "otp.delivery_failed")
      .at(-1)?.payload as { reason: string } | undefined;
  const smsConfig = (url: string) => ({
    config_type: "otp",
    channel_type: "sms",
    is_default: true,
    delivery: { type: "http", url },
  });
  /** An app of the test's own to switch to prod, so no other test sees the switch. */
  const toProd = async (own: TestServer) => {
    expect((await own.mgmt("PUT", "/mode", { mode: "prod" })).status).toBe(204);
  };

  it("refuses a gateway URL that breaks the outbound rules when it is saved", async () => {
    for (const url of [
      "http://sms.example.com/send",
      "https://user:secret@sms.example.com/send",
      "https://sms.example.com/send#frag",
    ]) {
      const res = await s.mgmt("POST", "/config/login/otp", smsConfig(url));
      expect(res.status, url).toBe(400);
      expect(res.body).toMatchObject({
        code: "invalid_request",
        message: expect.stringContaining("delivery.url"),
      });
    }
    const own = await s.forNewApp("prod-save");
    await toProd(own);
    const res = await own.mgmt("POST", "/config/login/otp", smsConfig(`http://127.0.0.1:${tcpPort}/sms`));
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("https in prod");
    expect((await own.mgmt("GET", "/config/login/otp")).body.login_configs).toEqual([]);
    expect((await s.mgmt("GET", "/config/login/otp")).body.login_configs).toEqual([]);
  });

  it("in prod, never connects to loopback, private or translated IPv6 addresses", async () => {
    const own = await s.forNewApp("prod-send");
    const saved = await own.mgmt("POST", "/config/login/otp", smsConfig(`http://127.0.0.1:${tcpPort}/sms`));
    expect(saved.status).toBe(201);
    const id = saved.body.login_config.id;
    const untouched = counter.connections;
    await toProd(own);
    // Saved in dev mode as http to loopback: in prod the send checks again.
    expect((await start("+33612340001", own)).status).toBe(502);
    expect((await lastFailure(own))?.reason).toContain("https in prod");
    for (const [i, target] of [
      "127.0.0.1",
      "localhost",
      "10.1.2.3",
      "[::ffff:127.0.0.1]",
      "[::127.0.0.1]", // IPv4-compatible, ::/96
      "[64:ff9b:1::7f00:1]", // local-use NAT64
      "[2002:7f00:1::]", // 6to4 of 127.0.0.1
      "[fec0::1]", // site-local
    ].entries()) {
      const url = `https://${target}:${tcpPort}/sms`;
      expect((await own.mgmt("PUT", `/config/login/otp/${id}`, smsConfig(url))).status).toBe(200);
      const res = await start(`+3361234010${i}`, own);
      expect(res.status, target).toBe(502);
      expect((await lastFailure(own))?.reason, target).toContain("internal address");
    }
    expect(counter.connections).toBe(untouched);
  });

  it("answers a failed send with the catalogue's words only, and logs the cause with the request id", async () => {
    const saved = await s.mgmt("POST", "/config/login/otp", smsConfig(`http://127.0.0.1:${tcpPort}/sms`));
    const res = await start("+33612340003");
    expect(res.status).toBe(502);
    const { request_id, ...body } = res.body;
    expect(body).toEqual({
      code: "delivery_failed",
      message: errorCatalogue.delivery_failed.message,
      type: "bad_gateway",
    });
    expect(res.text).not.toMatch(/ECONN|socket|HTTP|failed:/);
    const logged = lines
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === "OTP delivery failed" && l.request_id === request_id);
    expect(logged).toMatchObject({
      request_id,
      detail: expect.stringContaining("could not be reached"),
    });
    expect(request_id).toBe(res.headers["x-request-id"]);
    await s.mgmt("DELETE", `/config/login/otp/${saved.body.login_config.id}`);
  });

  it("in prod, sends SMTP only to public hosts or the operator's allowed relays", async () => {
    const smtpConfig = (smtpHost: string) => ({
      config_type: "otp",
      channel_type: "email",
      is_default: true,
      delivery: { type: "smtp", host: smtpHost, port: tcpPort, from: "Acme <no-reply@acme.test>" },
    });
    const email = (server: TestServer, value: string) =>
      server.inject({
        method: "POST",
        url: "/v1/session/otp",
        headers: { host: `${server.appId}.localhost`, "content-type": "application/json" },
        payload: JSON.stringify({ identifier: { value } }),
      });
    const own = await s.forNewApp("prod-smtp");
    const saved = await own.mgmt("POST", "/config/login/otp", smtpConfig("127.0.0.1"));
    expect(saved.status).toBe(201);
    const untouched = counter.connections;
    await toProd(own);
    for (const [i, smtpHost] of ["127.0.0.1", "localhost", "10.0.0.25"].entries()) {
      await own.mgmt("PUT", `/config/login/otp/${saved.body.login_config.id}`, smtpConfig(smtpHost));
      expect((await email(own, `smtp${i}@example.com`)).status, smtpHost).toBe(502);
      expect((await lastFailure(own))?.reason, smtpHost).toContain("internal address");
    }
    expect(counter.connections).toBe(untouched);

    // An installation whose operator allows its internal relay: by address block, or by name.
    for (const allowed of ["10.0.0.0/8,127.0.0.0/8", "relay.internal,localhost"]) {
      const relay = await startTestServer(dialect, { OVERTURE_SMTP_ALLOWED_INTERNAL_HOSTS: allowed });
      try {
        const mgmt = (method: "POST" | "PUT", path: string, body: unknown) => relay.mgmt(method, path, body);
        await mgmt(
          "POST",
          "/config/login/otp",
          smtpConfig(allowed.startsWith("10.") ? "127.0.0.1" : "localhost"),
        );
        await mgmt("PUT", "/mode", { mode: "prod" });
        const before = counter.connections;
        // The relay is reached; this one speaks no SMTP, so the send still fails after connecting.
        expect((await email(relay, "relayed@example.com")).status).toBe(502);
        expect(counter.connections, allowed).toBe(before + 1);
      } finally {
        await relay.close();
      }
    }
  });
});
