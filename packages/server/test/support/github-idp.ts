import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./oidc-idp.js";

export interface GithubUser {
  id: number;
  login: string;
  name?: string;
  emails: { email: string; primary: boolean; verified: boolean; visibility?: string | null }[];
}

export interface TestGithub {
  /** The server base, as OVERTURE_OAUTH_ENDPOINTS names it: web at `/login/oauth/*`, API at `/api/v3`. */
  url: string;
  next: GithubUser | "deny";
  close(): Promise<void>;
}

/**
 * A local server following GitHub's documented shapes ("Authorizing OAuth apps", REST "Users" and
 * "Emails"): the web flow with PKCE, `POST /login/oauth/access_token` answering JSON (errors with
 * 200 and `error`, as GitHub does), `GET /api/v3/user` and `/api/v3/user/emails` with a Bearer
 * token and a required User-Agent.
 */
export async function startTestGithub(client: {
  clientId: string;
  clientSecret: string;
}): Promise<TestGithub> {
  const codes = new Map<string, { redirectUri: string; challenge: string; user: GithubUser }>();
  const tokens = new Map<string, GithubUser>();
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const gh: TestGithub = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    next: {
      id: 4242,
      login: "octo",
      name: "Octo Cat",
      emails: [{ email: "octo@example.com", primary: true, verified: true }],
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", gh.url);
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      const q = url.searchParams;
      const back = new URL(q.get("redirect_uri") ?? "");
      back.searchParams.set("state", q.get("state") ?? "");
      if (q.get("client_id") !== client.clientId) return json(res, 404, { message: "Not Found" });
      if (gh.next === "deny") {
        back.searchParams.set("error", "access_denied");
        back.searchParams.set("error_description", "The user has denied your application access.");
      } else {
        const code = randomBytes(10).toString("hex");
        codes.set(code, {
          redirectUri: q.get("redirect_uri") ?? "",
          challenge: q.get("code_challenge") ?? "",
          user: gh.next,
        });
        back.searchParams.set("code", code);
      }
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      const form = new URLSearchParams(await readBody(req));
      const grant = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      if (form.get("client_id") !== client.clientId || form.get("client_secret") !== client.clientSecret)
        return json(res, 200, { error: "incorrect_client_credentials" });
      if (
        !grant ||
        grant.redirectUri !== form.get("redirect_uri") ||
        createHash("sha256").update(verifier).digest("base64url") !== grant.challenge
      )
        return json(res, 200, { error: "bad_verification_code" });
      const token = `gho_${randomBytes(16).toString("hex")}`;
      tokens.set(token, grant.user);
      return json(res, 200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
    }
    const user = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
    if (!req.headers["user-agent"]) return json(res, 403, { message: "User-Agent required" });
    if (req.method === "GET" && url.pathname === "/api/v3/user") {
      if (!user) return json(res, 401, { message: "Bad credentials" });
      const primary = user.emails.find((e) => e.primary && e.visibility !== "private");
      return json(res, 200, {
        id: user.id,
        login: user.login,
        name: user.name ?? null,
        email: primary?.email ?? null,
      });
    }
    if (req.method === "GET" && url.pathname === "/api/v3/user/emails") {
      if (!user) return json(res, 401, { message: "Bad credentials" });
      return json(
        res,
        200,
        user.emails.map((e) => ({ visibility: null, ...e })),
      );
    }
    return json(res, 404, { message: "Not Found" });
  }
  return gh;
}
