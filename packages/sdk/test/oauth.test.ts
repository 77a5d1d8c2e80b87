import { createSessionClient, isApiError } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { OAuthBrowser } from "../../server/test/support/oauth-browser.js";
import { startTestIdp, type TestIdp } from "../../server/test/support/oidc-idp.js";
import { describeEachDatabase } from "../../server/test/support/test-databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/test-server.js";

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());
const APP_PAGE = "http://localhost:5173/signed-in";

describeEachDatabase("SDK session client: social login", (dialect) => {
  let s: TestServer;
  let idp: TestIdp;
  let address: string;
  beforeAll(async () => {
    idp = await startTestIdp({ shape: "google", clientId: "sdk-client", clientSecret: "sdk-secret" });
    s = await startTestServer(dialect, { OVERTURE_OAUTH_ENDPOINTS: JSON.stringify({ google: idp.url }) });
    address = await s.app.listen({ port: 0, host: "127.0.0.1" });
    idp.allowRedirects([`${address}/v1/session/login/oauth/google/callback`]);
    await s.mgmt("POST", "/config/login/oauth/google", {
      client_id: "sdk-client",
      client_secret: "sdk-secret",
      options: { use_email_as_identifier: true, verify_email: true },
    });
  });
  afterAll(async () => {
    await s.close();
    await idp.close();
  });

  /** A fetch that keeps cookies, as a browser does for `credentials: "include"`. */
  const cookieFetch = () => {
    let cookie = "";
    const wrapped: typeof fetch = async (input, init) => {
      const res = await fetch(input, {
        ...init,
        headers: { ...(init?.headers as object), ...(cookie && { cookie }) },
      });
      const set = res.headers.getSetCookie()[0];
      if (set) cookie = set.split(";")[0] ?? "";
      return res;
    };
    return { fetch: wrapped, cookie: () => cookie };
  };

  /** The browser's part: the provider, then Overture's callback, to the app's page. */
  const roundTrip = async (authorizationUrl: string, cookie: string) => {
    const back = await new OAuthBrowser(s, "unused").visitProvider(authorizationUrl);
    const res = await fetch(back.url, { redirect: "manual", headers: { cookie } });
    expect(res.status).toBe(302);
    return String(res.headers.get("location"));
  };

  it("startOAuthLogin → provider → finishOAuthLogin signs in; the verifier is kept and then dropped", async () => {
    idp.next = { sub: "sdk-1", email: "sdk.user@example.com", email_verified: true };
    const net = cookieFetch();
    const session = createSessionClient({ baseUrl: address, fetch: net.fetch });
    const url = await session.startOAuthLogin({ provider: "google", redirectUri: APP_PAGE });
    expect(new URL(url).origin).toBe(idp.url);
    const landed = await roundTrip(url, net.cookie());
    const outcome = await session.finishOAuthLogin(landed);
    expect(outcome.status).toBe("signed_in");
    const token = outcome.status === "signed_in" ? outcome.accessToken : "";
    expect(claims(token)).toMatchObject({ sub: expect.stringMatching(/^usr_/), sid: expect.any(String) });
    expect(await session.getAccessToken()).toBe(token);
    await expect(session.finishOAuthLogin(landed)).rejects.toThrow(/startOAuthLogin/);
  });

  it("otp_required: the email code, then verifyOAuthEmail finalizes", async () => {
    idp.next = { sub: "sdk-2", email: "sdk.unverified@example.com", email_verified: false };
    const net = cookieFetch();
    const session = createSessionClient({ baseUrl: address, fetch: net.fetch });
    const landed = await roundTrip(
      await session.startOAuthLogin({ provider: "google", redirectUri: APP_PAGE }),
      net.cookie(),
    );
    const outcome = await session.finishOAuthLogin(landed);
    expect(outcome).toMatchObject({ status: "otp_required", email: "sdk.unverified@example.com" });
    if (outcome.status !== "otp_required") return;
    await session.otpCreate(outcome.challengeToken);
    const messages = (await s.mgmt("GET", "/dev/messages")).body.messages as { to: string; code: string }[];
    const code = messages.find((m) => m.to === "sdk.unverified@example.com")?.code ?? "";
    const token = await session.verifyOAuthEmail(outcome.challengeToken, code);
    const user = (await s.mgmt("GET", `/users/${claims(token).sub}`)).body.user;
    expect(user.identifiers.map((i: { value: string }) => i.value).sort()).toEqual([
      "google:sdk-2",
      "sdk.unverified@example.com",
    ]);
  });

  it("an error on the return URL is thrown with its code; a bad provider is an API error", async () => {
    const session = createSessionClient({ baseUrl: address });
    const failed = await session
      .finishOAuthLogin(`${APP_PAGE}?error=email_already_in_use&error_description=taken`)
      .catch((e: unknown) => e);
    expect(isApiError(failed) && failed.code).toBe("email_already_in_use");
    const unknown = await session
      .startOAuthLogin({ provider: "github", redirectUri: APP_PAGE })
      .catch((e: unknown) => e);
    expect(isApiError(unknown) && unknown.code).toBe("oauth_provider_not_configured");
  });
});
