import { base64UrlDecode, base64UrlEncode } from "./base64url.js";
import { OvertureApiError } from "./overture-api-error.js";
import { browserWebAuthn, type WebAuthnCalls } from "./webauthn-json.js";

/**
 * Where the session client keeps its state. In a browser, back it with IndexedDB (a `CryptoKey`
 * is structured-cloneable, so the DPoP private key stays non-extractable); the default keeps
 * everything in memory, for one page or one process.
 */
export interface SessionStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface SessionClientOptions {
  /** The Frontend API origin, e.g. `https://auth.example.com`. */
  baseUrl: string;
  store?: SessionStore;
  fetch?: typeof fetch;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  /** The passkey ceremonies; default `navigator.credentials` (docs/passkeys.md). */
  webauthn?: WebAuthnCalls;
}

interface DpopRecord {
  privateKey: CryptoKeyLike;
  jwk: { kty: string; crv: string; x: string; y: string };
  nonce: string;
}

interface AccessRecord {
  token: string;
  /** Unix seconds on the client's clock (server expiry + clock skew). */
  expiresAt: number;
}

// WebCrypto's key type without depending on DOM or Node typings at the package boundary.
type CryptoKeyLike = object;

const SDK_USER_AGENT = "Overture-SDK/0.1.0 (Web)";

export function memoryStore(): SessionStore {
  const data = new Map<string, unknown>();
  return {
    get: async (key) => data.get(key),
    set: async (key, value) => {
      data.set(key, value);
    },
    delete: async (key) => {
      data.delete(key);
    },
  };
}

/**
 * The session side of Overture's Frontend API for the migration window (client-protocol.md):
 * `migrate({token})` exchanges a legacy session for an Overture one (PKCE, `/migration`, then
 * `/login/finalize` with DPoP), with one migration in flight shared by concurrent callers; plus
 * `refresh`, `getAccessToken` and `logout`. DPoP proofs carry the last server nonce and retry once
 * on `use_dpop_nonce`, the refresh token rotates through `X-Refresh-Token`, and cached expiries
 * are corrected by the server's `Date`, as the web SDK does. Zero dependencies: WebCrypto and fetch.
 */
export function createSessionClient(options: SessionClientOptions) {
  const base = `${options.baseUrl.replace(/\/+$/, "")}/v1/session`;
  const store = options.store ?? memoryStore();
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let skewSeconds = 0;
  let migrating: Promise<string> | null = null;
  let refreshing: Promise<string> | null = null;
  const webauthn = () => options.webauthn ?? browserWebAuthn();

  /**
   * One call, as the web SDK makes it: a thrown error (network failure, timeout) is retried, up to
   * three attempts with the timeout doubling each time (at most 60 s); an HTTP error is not.
   */
  const send = async (path: string, body: unknown, headers: Record<string, string> = {}, method = "POST") => {
    let response: Response | undefined;
    for (let attempt = 0; !response; attempt++) {
      try {
        response = await doFetch(base + path, {
          method,
          mode: "cors",
          credentials: "include",
          headers: {
            accept: "application/json",
            "content-type": "application/json",
            "x-sdk-user-agent": SDK_USER_AGENT,
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(Math.min((options.timeoutMs ?? 10_000) * 2 ** attempt, 60_000)),
        });
      } catch (error) {
        if (attempt === 2) throw error;
      }
    }
    const date = Date.parse(response.headers.get("date") ?? "");
    skewSeconds = Number.isFinite(date) ? Math.floor(Date.now() / 1000) - Math.floor(date / 1000) : 0;
    const text = await response.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    return { response, json };
  };

  const fail = (response: Response, json: Record<string, unknown>): never => {
    throw new OvertureApiError(
      response.status,
      typeof json.code === "string" ? json.code : "unknown",
      typeof json.message === "string" ? json.message : `HTTP ${response.status}`,
      response.headers.get("x-request-id"),
    );
  };

  /** A call with a session DPoP proof: the stored nonce, one retry on use_dpop_nonce, the new nonce kept. */
  const withProof = async (path: string, body: unknown, extra: Record<string, string>, method = "POST") => {
    const key = await dpopKey();
    let answer = await send(
      path,
      body,
      { dpop: await proof(key, base + path, key.nonce, undefined, method), ...extra },
      method,
    );
    if (!answer.response.ok && answer.json.code === "use_dpop_nonce") {
      const nonce = answer.response.headers.get("dpop-nonce");
      if (!nonce) throw new Error("Server requested nonce but did not provide one");
      answer = await send(
        path,
        body,
        { dpop: await proof(key, base + path, nonce, undefined, method), ...extra },
        method,
      );
    }
    const nonce = answer.response.headers.get("dpop-nonce");
    if (nonce) await store.set("dpop", { ...key, nonce });
    return answer;
  };

  /** A session-DPoP call: the proof as `withProof`, the refresh token sent and the rotated one kept. */
  const dpopCall = async (path: string, body: unknown, withRefreshToken: boolean) => {
    const refresh = withRefreshToken
      ? ((await store.get("refresh")) as { token: string } | undefined)
      : undefined;
    const answer = await withProof(path, body, refresh ? { "x-refresh-token": refresh.token } : {});
    const rotated = answer.response.headers.get("x-refresh-token");
    if (rotated) {
      await store.set("refresh", {
        token: rotated,
        expiresAt: answer.response.headers.get("x-refresh-token-expires-at") ?? "",
      });
    }
    if (!answer.response.ok) fail(answer.response, answer.json);
    return answer.json;
  };

  const keep = async (json: Record<string, unknown>): Promise<string> => {
    if (typeof json.access_token !== "string" || typeof json.expires_at !== "number")
      throw new Error("No access token");
    const record: AccessRecord = { token: json.access_token, expiresAt: json.expires_at + skewSeconds };
    await store.set("access", record);
    return record.token;
  };

  const cached = async (): Promise<string | null> => {
    const access = (await store.get("access")) as AccessRecord | undefined;
    return access && access.expiresAt >= Math.floor(Date.now() / 1000) ? access.token : null;
  };

  const dpopKey = async (): Promise<DpopRecord> => {
    const existing = (await store.get("dpop")) as DpopRecord | undefined;
    if (existing) return existing;
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
      "verify",
    ])) as { privateKey: CryptoKeyLike; publicKey: CryptoKeyLike };
    const { kty, crv, x, y } = (await crypto.subtle.exportKey(
      "jwk",
      pair.publicKey as never,
    )) as DpopRecord["jwk"];
    const record: DpopRecord = { privateKey: pair.privateKey, jwk: { kty, crv, x, y }, nonce: "" };
    await store.set("dpop", record);
    return record;
  };

  /** A PKCE pair (RFC 7636 S256): 32 random bytes as the verifier. */
  const pkce = async () => {
    const verifier = base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
    const challenge = base64UrlEncode(
      new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))),
    );
    return { verifier, challenge };
  };

  /** Finalizes a social login's challenge token with the stored verifier, which is then dropped. */
  const finalizeOAuth = async (challengeToken: string): Promise<string> => {
    const verifier = (await store.get("oauth_verifier")) as string | undefined;
    if (!verifier) throw new Error("No social login in progress: call startOAuthLogin first");
    const accessToken = await client.finalizeLogin(challengeToken, verifier);
    await store.delete("oauth_verifier");
    return accessToken;
  };

  const doMigrate = async (legacyToken: string): Promise<string> => {
    const { verifier, challenge } = await pkce();
    const { response, json } = await send("/migration", { token: legacyToken, code_challenge: challenge });
    if (!response.ok) fail(response, json);
    if (typeof json.challenge_token !== "string")
      throw new Error("No challenge token in the migration answer");
    return keep(
      await dpopCall(
        "/login/finalize",
        { challenge_token: json.challenge_token, code_verifier: verifier },
        false,
      ),
    );
  };

  /** The Bearer flavour (client-protocol.md §5.8): on a 401, refresh once and send again. */
  const bearerCall = async (path: string, body: unknown, challengeToken?: string) => {
    const attempt = async () => {
      const headers: Record<string, string> = { authorization: `Bearer ${await client.refresh()}` };
      if (challengeToken) headers.dpop = await challengeProof(path, challengeToken);
      return send(path, body, headers);
    };
    let answer = await attempt();
    if (answer.response.status === 401) {
      await store.delete("access");
      answer = await attempt();
    }
    if (!answer.response.ok) fail(answer.response, answer.json);
    return answer.json;
  };

  /** Bearer and a session DPoP proof (the passkey routes); on a 401 other than a proof's, refresh once. */
  const sessionCall = async (method: string, path: string, body?: unknown) => {
    const attempt = async () =>
      withProof(path, body, { authorization: `Bearer ${await client.refresh()}` }, method);
    let answer = await attempt();
    if (answer.response.status === 401 && answer.json.code === "unauthorized") {
      await store.delete("access");
      answer = await attempt();
    }
    if (!answer.response.ok) fail(answer.response, answer.json);
    return answer.json;
  };

  /** The challenge flavour of DPoP: the session's key, the challenge token's jti, no nonce. */
  const challengeProof = async (path: string, challengeToken: string) =>
    proof(await dpopKey(), base + path, "", String(claimsOf(challengeToken).jti ?? ""));

  /** Where a step-up challenge stands; a completed one is spent on `/refresh` at once. */
  const advance = async (answer: Record<string, unknown>): Promise<StepUpState> => {
    const challengeToken = answer.challenge_token;
    if (typeof challengeToken !== "string") throw new Error("No challenge token in the answer");
    const claims = claimsOf(challengeToken);
    const passkeyOptions = answer.public_key_credential_request_options as
      | Record<string, unknown>
      | undefined;
    if (claims.current_step !== "completed")
      return {
        status: "pending",
        challengeToken,
        challengeId: String(claims.challenge_id),
        currentStep: String(claims.current_step),
        steps: (claims.steps as StepUpStepInfo[] | undefined) ?? [],
        ...(passkeyOptions && { passkeyOptions }),
      };
    await store.delete("access");
    const accessToken = await keep(await dpopCall("/refresh", { step_up_token: challengeToken }, true));
    return { status: "completed", accessToken };
  };

  const client = {
    /**
     * Exchanges a legacy session token for an Overture session and returns its access token. A
     * valid cached access token is returned without a request; concurrent calls share one migration.
     */
    async migrate(input: { token: string }): Promise<string> {
      const current = await cached();
      if (current) return current;
      migrating ??= doMigrate(input.token).finally(() => {
        migrating = null;
      });
      return migrating;
    },

    /**
     * Turns a challenge token from any login (password, sign-up, OTP check) into a session, as the
     * web SDK's `finalizeLogin`; `codeVerifier` when the login started with a PKCE challenge.
     */
    async finalizeLogin(challengeToken: string, codeVerifier?: string): Promise<string> {
      return keep(
        await dpopCall(
          "/login/finalize",
          {
            challenge_token: challengeToken,
            ...(codeVerifier !== undefined && { code_verifier: codeVerifier }),
          },
          false,
        ),
      );
    },

    /** The cached access token while valid; otherwise one `/refresh` shared by concurrent callers. */
    async refresh(): Promise<string> {
      const current = await cached();
      if (current) return current;
      refreshing ??= dpopCall("/refresh", undefined, true)
        .then(keep)
        .finally(() => {
          refreshing = null;
        });
      return refreshing;
    },

    getAccessToken(): Promise<string> {
      return client.refresh();
    },

    /** Marks the cached access token stale, so the next `refresh` goes to the server. */
    async invalidateCache(): Promise<void> {
      await store.delete("access");
    },

    /**
     * Asks for a scope mid-session (docs/step-up.md): `completed` when granted at once (already
     * spent on `/refresh`: the new access token has it), `pending` with the challenge to complete
     * step by step, or `block`.
     */
    async requestStepUp(input: { scope: string; metadata?: Record<string, string> }): Promise<StepUpState> {
      const json = await bearerCall("/stepup/request", {
        scope: input.scope,
        ...(input.metadata && { metadata: input.metadata }),
      });
      return json.status === "block" ? { status: "block" } : advance(json);
    },

    /** Sends the code of a `verify_email` / `verify_sms` step. */
    async otpCreate(challengeToken: string): Promise<void> {
      const { response, json } = await send("/otp", { challenge_token: challengeToken });
      if (!response.ok) fail(response, json);
    },

    /** Checks the step's code; the next step, or the grant spent. */
    async otpCheck(challengeToken: string, code: string): Promise<StepUpState> {
      const { response, json } = await send(
        "/otp/check",
        { code, challenge_token: challengeToken },
        { dpop: await challengeProof("/otp/check", challengeToken) },
      );
      if (!response.ok) fail(response, json);
      return advance(json);
    },

    /** Completes a custom step with the verification token your backend issued. */
    async continueStepUp(challengeToken: string, verificationToken: string): Promise<StepUpState> {
      const json = await bearerCall(
        "/stepup/continue",
        { challenge_token: challengeToken, verification_token: verificationToken },
        challengeToken,
      );
      return advance(json);
    },

    /**
     * Completes a `verify_passkey` step: the authenticator answers the options the step came with,
     * and the assertion goes to `/stepup/continue`. The next step, or the grant spent.
     */
    async verifyPasskeyStep(state: Extract<StepUpState, { status: "pending" }>): Promise<StepUpState> {
      if (!state.passkeyOptions)
        throw new Error(`The current step is "${state.currentStep}", not verify_passkey`);
      const assertion = await webauthn().get(state.passkeyOptions);
      const json = await bearerCall(
        "/stepup/continue",
        { challenge_token: state.challengeToken, passkey_assertion: assertion },
        state.challengeToken,
      );
      return advance(json);
    },

    /**
     * Registers a passkey for the signed-in user (docs/passkeys.md): the session needs
     * `prld:passkey:write`, usually from `requestStepUp({scope: "prld:passkey:write"})`.
     */
    async registerPasskey(input: { nickname?: string; username?: string; displayName?: string } = {}) {
      const begun = await sessionCall("POST", "/me/passkeys/register/begin", {
        ...(input.nickname !== undefined && { nickname: input.nickname }),
        ...(input.username !== undefined && { username: input.username }),
        ...(input.displayName !== undefined && { display_name: input.displayName }),
      });
      const attestation = await webauthn().create(begun.public_key as Record<string, unknown>);
      const finished = await sessionCall("POST", "/me/passkeys/register/finish", {
        registration_token: begun.registration_token,
        attestation,
      });
      return finished.credential as PasskeyInfo;
    },

    async listPasskeys(): Promise<PasskeyInfo[]> {
      return (await sessionCall("GET", "/me/passkeys")).credentials as PasskeyInfo[];
    },

    /** `id`: the passkey's `credential_id` (or `id`); an empty nickname clears it. */
    async renamePasskey(id: string, nickname: string): Promise<void> {
      await sessionCall("PATCH", `/me/passkeys/${encodeURIComponent(id)}`, { nickname });
    },

    async deletePasskey(id: string): Promise<void> {
      await sessionCall("DELETE", `/me/passkeys/${encodeURIComponent(id)}`);
    },

    /**
     * Signs in with a discoverable passkey: begin (bound to a PKCE challenge), the authenticator,
     * finish, then finalize. Returns the access token.
     */
    async loginWithPasskey(): Promise<string> {
      const { verifier, challenge } = await pkce();
      const begun = await send("/login/passkey/begin", { code_challenge: challenge });
      if (!begun.response.ok) fail(begun.response, begun.json);
      const assertion = await webauthn().get(begun.json.public_key as Record<string, unknown>);
      const finished = await send("/login/passkey/finish", {
        login_token: begun.json.login_token,
        assertion,
      });
      if (!finished.response.ok) fail(finished.response, finished.json);
      return client.finalizeLogin(String(finished.json.challenge_token), verifier);
    },

    /**
     * Starts a social login (docs/social-login.md): keeps a PKCE verifier in the store and answers
     * the provider URL to send the browser to. In a browser the call carries the binding cookie the
     * callback checks (`credentials: "include"`); elsewhere, pass a `fetch` that keeps cookies.
     */
    async startOAuthLogin(input: { provider: string; redirectUri: string }): Promise<string> {
      const { verifier, challenge } = await pkce();
      await store.set("oauth_verifier", verifier);
      const { response, json } = await send(`/login/oauth/${encodeURIComponent(input.provider)}/authorize`, {
        redirect_uri: input.redirectUri,
        code_challenge: challenge,
        code_challenge_method: "S256",
      });
      if (!response.ok) fail(response, json);
      if (typeof json.authorization_url !== "string") throw new Error("No authorization_url in the answer");
      return json.authorization_url;
    },

    /**
     * Completes a social login on the redirect page, from its URL: `signed_in` with the access
     * token, or `otp_required` with the challenge token and the email to prove (send the code with
     * `otpCreate`, then `verifyOAuthEmail`). An `error` the callback returned is thrown as an
     * OvertureApiError with its code.
     */
    async finishOAuthLogin(returnUrl: string | URL): Promise<OAuthOutcome> {
      const params = new URL(returnUrl).searchParams;
      const error = params.get("error");
      if (error) throw new OvertureApiError(400, error, params.get("error_description") ?? error, null);
      const challengeToken = params.get("challenge_token");
      if (!challengeToken) throw new Error("No challenge_token in the return URL");
      if (params.get("status") === "otp_required") {
        const metadata = claimsOf(challengeToken).metadata as { oauth_email?: unknown } | undefined;
        return { status: "otp_required", challengeToken, email: String(metadata?.oauth_email ?? "") };
      }
      return { status: "signed_in", accessToken: await finalizeOAuth(challengeToken) };
    },

    /** `otp_required`: checks the email's code, then finalizes the social login. */
    async verifyOAuthEmail(challengeToken: string, code: string): Promise<string> {
      const { response, json } = await send("/otp/check", { code, challenge_token: challengeToken });
      if (!response.ok) fail(response, json);
      if (typeof json.challenge_token !== "string") throw new Error("No challenge token in the answer");
      return finalizeOAuth(json.challenge_token);
    },

    /** Ends the session on the server, then forgets everything (key, tokens) locally. */
    async logout(): Promise<void> {
      if (await store.get("dpop")) await dpopCall("/revoke", undefined, true);
      else {
        const { response, json } = await send("/revoke", undefined);
        if (!response.ok) fail(response, json);
      }
      for (const key of ["dpop", "refresh", "access"]) await store.delete(key);
    },
  };
  return client;
}

export type SessionClient = ReturnType<typeof createSessionClient>;

/** Where a social login stands on the redirect page. */
export type OAuthOutcome =
  | { status: "signed_in"; accessToken: string }
  | { status: "otp_required"; challengeToken: string; email: string };

export interface StepUpStepInfo {
  order: number;
  key: string;
  expiration_duration: number;
  done: boolean;
}

export type StepUpState =
  | { status: "completed"; accessToken: string }
  | {
      status: "pending";
      challengeToken: string;
      challengeId: string;
      currentStep: string;
      steps: StepUpStepInfo[];
      /** At a `verify_passkey` step: the WebAuthn options, for `verifyPasskeyStep`. */
      passkeyOptions?: Record<string, unknown>;
    }
  | { status: "block" };

/** One of the signed-in user's passkeys (docs/passkeys.md); times are Unix seconds. */
export interface PasskeyInfo {
  id: string;
  credential_id: string;
  nickname?: string;
  transports: string[];
  backup_eligible: boolean;
  backup_state: boolean;
  created_at: number;
  last_used_at: number | null;
}

/** A JWT's claims, unverified: what a client reads of a challenge token. */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64UrlDecode(token.split(".")[1] ?? ""))) as Record<
    string,
    unknown
  >;
}

/** A DPoP proof as client-protocol.md §2.2 specifies it. */
async function proof(
  key: DpopRecord,
  htu: string,
  nonce: string,
  jti?: string,
  htm = "POST",
): Promise<string> {
  const encode = (value: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(value)));
  const header = encode({ typ: "dpop+jwt", alg: "ES256", jwk: key.jwk });
  const payload = encode({
    jti: jti ?? crypto.randomUUID(),
    htm,
    htu,
    iat: Math.floor(Date.now() / 1000),
    ...(nonce && { nonce }),
  });
  const input = `${header}.${payload}`;
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    key.privateKey as never,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
}
