import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { answerActivation, createWebhookVerifier, type WebhookEvent } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWebhookDispatcher } from "../../server/src/workers/webhook-dispatcher.js";
import { describeEachDatabase } from "../../server/test/support/test-databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/test-server.js";

describeEachDatabase("SDK: receiving webhooks", (dialect) => {
  let s: TestServer;
  let dispatcher: ReturnType<typeof startWebhookDispatcher>;
  const processed = new Map<string, WebhookEvent>();
  const refused: string[] = [];
  let lastBatch: { body: string; headers: IncomingHttpHeaders } | undefined;
  const endpoint = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      if (req.method === "GET") {
        const answer = answerActivation(req.url ?? "", {
          verificationToken: "endpoint-secret",
          appId: s.appId,
        });
        res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      lastBatch = { body, headers: req.headers };
      try {
        const batch = await verifyWebhookRequest({ body, headers: req.headers });
        // The documented dedupe: an event id seen before is skipped.
        for (const event of batch.events) if (!processed.has(event.id)) processed.set(event.id, event);
        res.writeHead(200).end();
      } catch (error) {
        refused.push((error as Error).message);
        res.writeHead(401).end();
      }
    });
  });
  let verifyWebhookRequest: ReturnType<typeof createWebhookVerifier>;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    verifyWebhookRequest = createWebhookVerifier({
      jwksUrl: `https://${s.appId}.localhost/.well-known/jwks.json`,
      appId: s.appId,
      fetch: (async () => {
        const res = await s.inject({
          method: "GET",
          url: "/.well-known/jwks.json",
          headers: { host: `${s.appId}.localhost` },
        });
        return new Response(res.text, {
          status: res.status,
          headers: { "content-type": "application/json" },
        });
      }) as typeof fetch,
    });
    await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
    dispatcher = startWebhookDispatcher(s.domain, { error: () => {} }, { intervalMs: 20 });
  });
  afterAll(async () => {
    dispatcher.stop();
    await dispatcher.idle();
    endpoint.closeAllConnections();
    await new Promise((resolve) => endpoint.close(resolve));
    await s.close();
  });

  it("activates with answerActivation, verifies and parses batches, and refuses tampered ones", async () => {
    const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/overture`;
    const wrong = (
      await s.mgmt("POST", "/webhooks", {
        url,
        verification_token: "not-the-secret",
        events: ["user.created"],
      })
    ).body.webhook.id;
    expect((await s.mgmt("POST", `/webhooks/${wrong}/activate`)).body.code).toBe("webhook_activation_failed");
    const id = (
      await s.mgmt("POST", "/webhooks", {
        url,
        verification_token: "endpoint-secret",
        events: ["user.created", "user.updated"],
      })
    ).body.webhook.id;
    expect((await s.mgmt("POST", `/webhooks/${id}/activate`)).status).toBe(200);

    const user = (await s.mgmt("POST", "/users", { external_id: "sdk-webhook" })).body.id;
    await s.mgmt("PUT", `/users/${user}/external_id`, { external_id: "sdk-webhook-2" });
    for (let i = 0; i < 250 && processed.size < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const events = [...processed.values()];
    expect(events.map((e) => e.type)).toEqual(["user.created", "user.updated"]);
    const updated = events[1];
    if (updated?.type === "user.updated") expect(updated.payload.external_id).toBe("sdk-webhook-2");
    expect(refused).toEqual([]);

    // The same batch again is accepted and changes nothing (dedupe by id).
    const batch = lastBatch!;
    await verifyWebhookRequest({ body: batch.body, headers: batch.headers });
    expect(processed.size).toBe(2);
    await expect(verifyWebhookRequest({ body: `${batch.body} `, headers: batch.headers })).rejects.toThrow(
      "does not verify",
    );
    await expect(
      verifyWebhookRequest({
        body: batch.body,
        headers: { ...batch.headers, "x-webhook-signature-key-id": "nope" },
      }),
    ).rejects.toThrow();
    const other = createWebhookVerifier({
      jwksUrl: "https://x/.well-known/jwks.json",
      appId: "another-app",
      fetch: (async () => new Response(JSON.stringify({ keys: [] }))) as typeof fetch,
    });
    await expect(other({ body: batch.body, headers: batch.headers })).rejects.toThrow();
  });

  it("answerActivation refuses what is not an activation, or not for this app", () => {
    const expected = { verificationToken: "t", appId: "app1" };
    expect(
      answerActivation("/h?event=activate&verification_token=t&challenge=42&app_id=app1", expected),
    ).toEqual({
      status: 200,
      body: { challenge: 42 },
    });
    expect(
      answerActivation("/h?event=activate&verification_token=x&challenge=42&app_id=app1", expected).status,
    ).toBe(401);
    expect(
      answerActivation("/h?event=activate&verification_token=t&challenge=42&app_id=app2", expected).status,
    ).toBe(401);
    expect(
      answerActivation("/h?event=other&verification_token=t&challenge=42&app_id=app1", expected).status,
    ).toBe(400);
    expect(
      answerActivation("/h?event=activate&verification_token=t&challenge=x&app_id=app1", expected).status,
    ).toBe(400);
  });
});
