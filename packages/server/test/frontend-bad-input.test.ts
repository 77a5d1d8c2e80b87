import { afterAll, beforeAll, expect, it } from "vitest";
import { frontendRoutes } from "../src/http/routes-frontend.js";
import { rowCounts, sessionCount } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** Sweeps the Frontend route table: every endpoint, present and future, meets these rules. */
describeEachDatabase("every Frontend endpoint rejects bad input", (dialect) => {
  let s: TestServer;
  let host: string;
  beforeAll(async () => {
    s = await startTestServer(dialect, { OVERTURE_DEFAULT_APP: "anodefault0" });
    host = `${s.appId}.localhost`;
    await s.mgmt("POST", "/config/login/password", {});
  });
  afterAll(() => s.close());

  const sessions = () => sessionCount(s);
  const frontendShape = {
    code: expect.any(String),
    message: expect.any(String),
    type: expect.any(String),
    request_id: expect.stringMatching(/^req_/),
  };

  /** A registration response of the right shape (its content is checked only once the caller is known). */
  const ATTESTATION_SHAPE = {
    id: "AA",
    rawId: "AA",
    type: "public-key",
    response: { clientDataJSON: "AA", attestationObject: "AA" },
  };

  for (const [method, path, spec] of frontendRoutes) {
    const label = `${method} ${path}`;

    it(`${label}: 404 not_found, in the frontend shape, on a host that serves no app`, async () => {
      const res = await s.inject({ method, url: path, headers: { host: "nobody.example.org" } });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ ...frontendShape, code: "not_found", type: "not_found" });
    });

    if (spec.body) {
      it(`${label}: malformed, wrong-typed, oversize and non-JSON bodies are 4xx and write nothing`, async () => {
        const before = { ...(await rowCounts(s)), sessions: await sessions() };
        const send = (payload: string, type = "application/json") =>
          s.inject({ method, url: path, headers: { host, "content-type": type }, payload });
        for (const [payload, type, status, code] of [
          ['{"a":', "application/json", 400, "bad_request"],
          ["[1,2]", "application/json", 400, "bad_request"],
          ['"text"', "application/json", 400, "bad_request"],
          [JSON.stringify({ pad: "x".repeat(70_000) }), "application/json", 413, "payload_too_large"],
          // A form is refused as a media type, except where a provider posts one (a form_post callback).
          spec.formBody
            ? (["state=a&state=b", "application/x-www-form-urlencoded", 400, "bad_request"] as const)
            : (["a=b", "application/x-www-form-urlencoded", 415, "unsupported_media_type"] as const),
        ] as const) {
          const res = await send(payload, type);
          expect(res.status, `${payload.slice(0, 10)} ${type}`).toBe(status);
          expect(res.body).toEqual({ ...frontendShape, code, type: expect.any(String) });
          if (spec.dpop) expect(res.headers["dpop-nonce"]).toBeTruthy();
        }
        expect({ ...(await rowCounts(s)), sessions: await sessions() }).toEqual(before);
      });
    }

    // Logout works without a key; the web SDK sends no proof on /stepup/request (one is checked when sent).
    // The passkey self-service routes check the Bearer token first; passkey-registration.test.ts
    // sends them a token without a proof.
    if (
      spec.dpop &&
      path !== "/v1/session/revoke" &&
      path !== "/v1/session/stepup/request" &&
      !path.startsWith("/v1/session/me/")
    ) {
      it(`${label}: without a DPoP proof answers missing_dpop_proof, with a nonce`, async () => {
        const res = await s.inject({
          method,
          url: path,
          headers: { host, "content-type": "application/json" },
          payload: JSON.stringify(
            path.endsWith("/finalize")
              ? { challenge_token: "x" }
              : path.endsWith("/check")
                ? { code: "123456" }
                : {},
          ),
        });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe("missing_dpop_proof");
        expect(res.headers["dpop-nonce"]).toMatch(/^[\w-]{30}$/);
      });
    }

    if (path.startsWith("/v1/session/me/") || path.startsWith("/v1/session/stepup/")) {
      it(`${label}: answers 401 without a bearer token`, async () => {
        const res = await s.inject({
          method,
          url: `${path}${path.endsWith("/revoke") ? "?target=all" : ""}`,
          headers: { host, "content-type": "application/json" },
          ...((method === "POST" || method === "PATCH") && {
            payload: path.endsWith("/reset")
              ? '{"password":"whatever long"}'
              : path.endsWith("/request")
                ? '{"scope":"read"}'
                : path.endsWith("/continue")
                  ? '{"challenge_token":"x","verification_token":"y"}'
                  : path.endsWith("/register/finish")
                    ? JSON.stringify({ registration_token: "x", attestation: ATTESTATION_SHAPE })
                    : method === "PATCH"
                      ? '{"nickname":"x"}'
                      : "{}",
          }),
        });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ ...frontendShape, code: "unauthorized", type: "unauthorized" });
      });
    }
  }
});
