import { createHash, randomBytes } from "node:crypto";
import type { Answer, TestServer } from "./test-server.js";

/** What the Overture callback finally answered the browser: where it sent it, and with what. */
export interface CallbackOutcome {
  answer: Answer;
  /** The query of the 302's Location (challenge_token, status, error…); null when not a redirect. */
  params: Record<string, string> | null;
  location: string | null;
}

/** The provider's way back to Overture: a redirect (GET) or an auto-submitted form (form_post). */
export interface ProviderReturn {
  method: "GET" | "POST";
  url: URL;
  form?: Record<string, string>;
}

/**
 * A browser for social login tests: keeps the Overture binding cookie and the provider's cookies,
 * follows the provider's redirects with real HTTP, and hands the return to the Overture callback
 * in-process, as the browser would load it.
 */
export class OAuthBrowser {
  bindingCookie: string | undefined;
  private idpCookies = new Map<string, string>();
  readonly verifier = randomBytes(32).toString("base64url");

  constructor(
    private readonly s: TestServer,
    readonly host: string,
  ) {}

  get challenge(): string {
    return createHash("sha256").update(this.verifier).digest("base64url");
  }

  async authorize(
    provider: string,
    redirectUri: string,
    body: Record<string, unknown> = {},
  ): Promise<Answer> {
    const answer = await this.s.inject({
      method: "POST",
      url: `/v1/session/login/oauth/${provider}/authorize`,
      headers: {
        host: this.host,
        "content-type": "application/json",
        ...(this.bindingCookie && { cookie: this.bindingCookie }),
      },
      payload: JSON.stringify({
        redirect_uri: redirectUri,
        code_challenge: this.challenge,
        code_challenge_method: "S256",
        ...body,
      }),
    });
    const cookie = answer.headers["set-cookie"];
    if (cookie) this.bindingCookie = String(cookie).split(";")[0];
    return answer;
  }

  /** Follows the provider until it sends the browser back to Overture. */
  visitProvider(authorizationUrl: string): Promise<ProviderReturn> {
    return followProvider(authorizationUrl, this.idpCookies);
  }

  /** Loads the provider's return at Overture, with this browser's cookie. */
  async callback(back: ProviderReturn, cookie = this.bindingCookie): Promise<CallbackOutcome> {
    const headers = { host: back.url.host, ...(cookie && { cookie }) };
    const answer =
      back.method === "GET"
        ? await this.s.inject({ method: "GET", url: back.url.pathname + back.url.search, headers })
        : await this.s.inject({
            method: "POST",
            url: back.url.pathname,
            headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
            payload: new URLSearchParams(back.form ?? {}).toString(),
          });
    const location = answer.status === 302 ? String(answer.headers.location) : null;
    return {
      answer,
      location,
      params: location ? Object.fromEntries(new URL(location).searchParams) : null,
    };
  }

  /** authorize → provider → callback; the outcome of the whole round trip. */
  async signIn(provider: string, redirectUri: string): Promise<CallbackOutcome> {
    const started = await this.authorize(provider, redirectUri);
    if (started.status !== 200) throw new Error(`authorize: ${started.status} ${started.text}`);
    return this.callback(await this.visitProvider(started.body.authorization_url));
  }
}

/**
 * A browser at the provider: follows its redirects with real HTTP, keeping its cookies, until it
 * sends the browser elsewhere (a redirect) or hands it an auto-submitting form (form_post).
 */
export async function followProvider(
  authorizationUrl: string,
  idpCookies = new Map<string, string>(),
): Promise<ProviderReturn> {
  let url = new URL(authorizationUrl);
  const idpOrigin = url.origin;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, {
      redirect: "manual",
      headers: { cookie: [...idpCookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      idpCookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = res.headers.get("location");
    if (location) {
      url = new URL(location, url);
      if (url.origin !== idpOrigin) return { method: "GET", url };
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/i.exec(html)?.[1];
    if (res.status === 200 && action) {
      const form: Record<string, string> = {};
      for (const m of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi))
        form[m[1] ?? ""] = decodeEntities(m[2] ?? "");
      return { method: "POST", url: new URL(decodeEntities(action)), form };
    }
    throw new Error(`the provider stopped at ${url.href}: ${res.status} ${html.slice(0, 300)}`);
  }
  throw new Error("too many redirects at the provider");
}

function decodeEntities(value: string): string {
  return value
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#x2F;/g, "/")
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCharCode(Number.parseInt(n, 16)));
}
