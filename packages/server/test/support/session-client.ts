import { issueChallengeToken, type LoginChallenge } from "../../src/domain/sessions/challenge-token.js";
import { DpopKey, type ProofOptions } from "./dpop-client.js";
import type { Answer, TestServer } from "./test-server.js";

/**
 * Talks to the Frontend API the way the web SDK does: DPoP proofs with the last nonce and one retry
 * on use_dpop_nonce, the refresh token kept from X-Refresh-Token, Bearer for /me calls.
 */
export class SessionClient {
  nonce = "";
  refreshToken: string | undefined;
  accessToken: string | undefined;
  readonly key: DpopKey;

  constructor(
    private readonly s: TestServer,
    readonly host: string,
    key = new DpopKey(),
  ) {
    this.key = key;
  }

  get origin(): string {
    return `http://${this.host}`;
  }

  async call(
    path: string,
    body?: unknown,
    proof: ProofOptions = {},
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const send = (nonce: string) =>
      this.s.inject({
        method: "POST",
        url: path,
        headers: {
          host: this.host,
          "content-type": "application/json",
          dpop: this.key.proof("POST", this.origin + path.split("?")[0], {
            ...(nonce && { nonce }),
            iat: Math.floor(this.s.clock.now() / 1000),
            ...proof,
          }),
          ...(this.refreshToken && { "x-refresh-token": this.refreshToken }),
          ...headers,
        },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
    let res = await send(this.nonce);
    if (res.status >= 400 && res.body?.code === "use_dpop_nonce")
      res = await send(String(res.headers["dpop-nonce"]));
    if (res.headers["dpop-nonce"]) this.nonce = String(res.headers["dpop-nonce"]);
    if (res.headers["x-refresh-token"]) this.refreshToken = String(res.headers["x-refresh-token"]);
    if (res.status === 200 && res.body?.access_token) this.accessToken = res.body.access_token;
    return res;
  }

  finalize(challengeToken: string, codeVerifier?: string, headers: Record<string, string> = {}) {
    return this.call(
      "/v1/session/login/finalize",
      { challenge_token: challengeToken, ...(codeVerifier && { code_verifier: codeVerifier }) },
      {},
      headers,
    );
  }

  refresh(headers: Record<string, string> = {}) {
    return this.call("/v1/session/refresh", undefined, {}, headers);
  }

  /**
   * A Bearer call with a session DPoP proof (the passkey routes' "Bearer + DPoP"), with the nonce
   * and one retry on use_dpop_nonce as `call`.
   */
  async authed(
    method: "GET" | "POST" | "PATCH" | "DELETE",
    path: string,
    body?: unknown,
    proof: ProofOptions = {},
  ): Promise<Answer> {
    const send = (nonce: string) =>
      this.s.inject({
        method,
        url: path,
        headers: {
          host: this.host,
          authorization: `Bearer ${this.accessToken ?? ""}`,
          dpop: this.key.proof(method, this.origin + path.split("?")[0], {
            ...(nonce && { nonce }),
            iat: Math.floor(this.s.clock.now() / 1000),
            ...proof,
          }),
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
    let res = await send(this.nonce);
    if (res.status >= 400 && res.body?.code === "use_dpop_nonce")
      res = await send(String(res.headers["dpop-nonce"]));
    if (res.headers["dpop-nonce"]) this.nonce = String(res.headers["dpop-nonce"]);
    return res;
  }

  /** A Bearer call (no DPoP), as the SDK makes for /me/*. */
  bearer(method: "GET" | "POST", path: string, token = this.accessToken): Promise<Answer> {
    return this.s.inject({
      method,
      url: path,
      headers: { host: this.host, authorization: `Bearer ${token ?? ""}` },
    });
  }

  /** Signs in as `userId` through a server-issued challenge token and finalize. */
  async signIn(
    userId: string,
    challenge: Partial<LoginChallenge> = {},
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const app = (await this.s.store.apps.get(this.s.appId))!;
    const token = await issueChallengeToken(
      this.s.keys,
      app,
      this.origin,
      { userId, method: "password", ...challenge },
      this.s.clock.now(),
    );
    return this.finalize(token, undefined, headers);
  }

  /** The `sid` claim of the current access token. */
  get sessionId(): string {
    return JSON.parse(Buffer.from(this.accessToken!.split(".")[1]!, "base64url").toString()).sid;
  }
}
