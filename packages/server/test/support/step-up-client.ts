import type { SessionClient } from "./session-client.js";
import type { Answer, TestServer } from "./test-server.js";

/** The claims of a JWT, unverified: what the web SDK reads of challenge and access tokens. */
// biome-ignore lint/suspicious/noExplicitAny: claims are inspected field by field
export function claimsOf(token: string): any {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
}

/** The step-up calls as the web SDK makes them (client-protocol.md §5.9), for a signed-in client. */
export class StepUpCalls {
  constructor(
    private readonly s: TestServer,
    private readonly c: SessionClient,
  ) {}

  private post(path: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
    return this.s.inject({
      method: "POST",
      url: `/v1/session${path}`,
      headers: { host: this.c.host, "content-type": "application/json", ...headers },
      payload: JSON.stringify(body),
    });
  }

  /** A challenge DPoP proof: the session key, the challenge token's jti, no nonce. */
  challengeProof(path: string, challengeToken: string, jti = claimsOf(challengeToken).jti): string {
    return this.c.key.proof("POST", `${this.c.origin}/v1/session${path}`, {
      jti,
      iat: Math.floor(this.s.clock.now() / 1000),
    });
  }

  request(scope: string, metadata?: Record<string, unknown>, headers: Record<string, string> = {}) {
    return this.post(
      "/stepup/request",
      { scope, ...(metadata && { metadata }) },
      { authorization: `Bearer ${this.c.accessToken ?? ""}`, ...headers },
    );
  }

  sendOtp(challengeToken: string, headers: Record<string, string> = {}) {
    return this.post("/otp", { challenge_token: challengeToken }, headers);
  }

  checkOtp(challengeToken: string, code: string, headers?: Record<string, string>) {
    return this.post(
      "/otp/check",
      { code, challenge_token: challengeToken },
      headers ?? { dpop: this.challengeProof("/otp/check", challengeToken) },
    );
  }

  continue(challengeToken: string, verificationToken: string, headers?: Record<string, string>) {
    return this.post(
      "/stepup/continue",
      { challenge_token: challengeToken, verification_token: verificationToken },
      headers ?? {
        authorization: `Bearer ${this.c.accessToken ?? ""}`,
        dpop: this.challengeProof("/stepup/continue", challengeToken),
      },
    );
  }

  /** Spends a completed challenge: `/refresh {step_up_token}` with the session's DPoP. */
  spend(challengeToken: string) {
    return this.c.call("/v1/session/refresh", { step_up_token: challengeToken });
  }

  /** The newest code the dev console sent to `to`. */
  async lastCode(to: string): Promise<string> {
    const messages = (await this.s.mgmt("GET", "/dev/messages")).body.messages as {
      to: string;
      code: string;
    }[];
    return messages.find((m) => m.to === to)?.code ?? "";
  }
}
