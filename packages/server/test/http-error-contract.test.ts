import { connect } from "node:net";
import { errorCatalogue } from "@overture/protocol";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are inspected field by field
  body: any;
}

/** Sends bytes as they are, on a socket of its own, and parses the one answer. */
function raw(port: number, text: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    let out = "";
    socket.on("data", (d) => {
      out += d;
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      const [head = "", ...rest] = out.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      try {
        resolve({
          status: Number(statusLine.split(" ")[1]),
          headers,
          body: JSON.parse(rest.join("\r\n\r\n")),
        });
      } catch {
        reject(new Error(`not a JSON answer: ${out.slice(0, 300)}`));
      }
    });
  });
}

/**
 * What never reaches a route handler still answers in the error contract: a catalogue code, the
 * surface's shape (frontend for /v1 and /.well-known), and a request id (docs/errors.md).
 */
describeEachDatabase("the error contract below the router", (dialect) => {
  let s: TestServer;
  let port: number;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    port = Number(new URL(await s.app.listen({ port: 0, host: "127.0.0.1" })).port);
  });
  afterAll(() => s.close());

  const request = (line: string, headers: string[] = [], host = "localhost") =>
    `${line} HTTP/1.1\r\nHost: ${host}\r\n${headers.map((h) => `${h}\r\n`).join("")}Connection: close\r\n\r\n`;
  const management = (a: RawAnswer, code: string, status: number) => {
    expect(a.status).toBe(status);
    expect(a.body).toEqual({
      code,
      status: errorCatalogue[code as keyof typeof errorCatalogue].status,
      message: expect.any(String),
    });
    expect(a.headers["x-request-id"]).toMatch(/^req_/);
  };
  const frontend = (a: RawAnswer, code: string, status: number) => {
    expect(a.status).toBe(status);
    expect(a.body).toEqual({
      code,
      message: expect.any(String),
      type: errorCatalogue[code as keyof typeof errorCatalogue].status,
      request_id: expect.stringMatching(/^req_/),
    });
    expect(a.headers["x-request-id"]).toBe(a.body.request_id);
  };

  it("a path whose percent-encoding does not decode is 400, in each surface's shape", async () => {
    management(
      await raw(port, request(`GET /v2/session/apps/${s.appId}/users/%E0%A4%A`)),
      "invalid_request",
      400,
    );
    frontend(
      await raw(port, request("GET /v1/session/%E0%A4%A", [], `${s.appId}.localhost`)),
      "bad_request",
      400,
    );
  });

  it("oversize request lines and headers are 431; an oversize path segment is 414", async () => {
    frontend(
      await raw(port, request(`GET /v1/session/${"a".repeat(20_000)}`)),
      "header_fields_too_large",
      431,
    );
    management(
      await raw(port, request("GET /healthz", [`X-Big: ${"b".repeat(20_000)}`])),
      "header_fields_too_large",
      431,
    );
    management(
      await raw(port, request(`GET /v2/session/apps/${s.appId}/users/${"u".repeat(300)}`)),
      "uri_too_long",
      414,
    );
  });

  it("a wrong method is 405: with Allow on a path that exists, and for methods no route has", async () => {
    const put = await raw(
      port,
      request("PUT /v1/session/refresh", ["Content-Length: 0"], `${s.appId}.localhost`),
    );
    frontend(put, "method_not_allowed", 405);
    expect(put.headers.allow).toBe("POST");
    const get = await raw(port, request(`DELETE /v2/session/apps/${s.appId}/users/batch_lookup`));
    management(get, "method_not_allowed", 405);
    expect(get.headers.allow).toBe("POST");
    frontend(await raw(port, request("PROPFIND /v1/session/refresh")), "method_not_allowed", 405);
    // Not even an HTTP method: Node's parser refuses it before any route.
    frontend(await raw(port, request("BREW /v1/session/refresh")), "method_not_allowed", 405);
  });

  it("bytes that are not HTTP are 400 with a request id", async () => {
    management(await raw(port, "GET /healthz HTTP/x.y\r\n\r\n"), "invalid_request", 400);
    management(
      await raw(
        port,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      ),
      "invalid_request",
      400,
    );
    management(
      await raw(port, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n"),
      "invalid_request",
      400,
    );
    frontend(
      await raw(port, request("POST /v1/session/refresh", ["Content-Length: abc"], `${s.appId}.localhost`)),
      "bad_request",
      400,
    );
  });

  it("refuses the NUL character in paths, queries and bodies with 400, on both databases (PostgreSQL cannot store it)", async () => {
    const before = (await s.mgmt("GET", "/users?limit=100")).body.users.length;
    expect((await s.mgmt("PUT", "/users/%00/password", { password: "a long password" })).body.code).toBe(
      "invalid_request",
    );
    expect((await s.mgmt("GET", "/users?external_id=%00")).body.code).toBe("invalid_request");
    const body = await s.mgmt("POST", "/users", {
      external_id: "nul\u0000byte",
      profile: { name: "x\u0000" },
    });
    expect([body.status, body.body.code]).toEqual([400, "invalid_request"]);
    expect(body.body.message).toContain("NUL");
    const frontend = await s.inject({
      method: "POST",
      url: "/v1/session/login/email/password",
      headers: { host: `${s.appId}.localhost`, "content-type": "application/json" },
      payload: '{"identifier":"a\\u0000@example.com","password":"x"}',
    });
    expect([frontend.status, frontend.body.code]).toEqual([400, "bad_request"]);
    expect((await s.mgmt("GET", "/users?limit=100")).body.users.length).toBe(before);
  });
});
