import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { isInternalAddress, publicLookup } from "./address-guard.js";

/** Who is called, for metrics (docs/operations.md). */
export type OutboundPeer =
  | "migration_hook"
  | "delegation_hook"
  | "webhook"
  | "webhook_activation"
  | "app_jwks"
  | "otp_gateway"
  | "identity_provider";

export interface OutboundOptions {
  peer: OutboundPeer;
  timeoutMs: number;
  /** A larger response is abandoned and reported as `too_large`. */
  maxResponseBytes: number;
  /** Refuse hosts that are or resolve to loopback, private, link-local or otherwise internal addresses. */
  publicOnly: boolean;
}

export type OutboundResult =
  | { ok: true; status: number; headers: IncomingHttpHeaders; body: Buffer }
  | { ok: false; failure: "refused" | "failed" | "timeout" | "too_large"; detail: string };

export interface OutboundClient {
  /**
   * POSTs `body` to a customer endpoint: no redirects followed (a 3xx is returned as is), one
   * timeout for the whole exchange, a response size cap, and optionally the internal-address guard.
   */
  post(
    url: URL,
    body: string,
    headers: Record<string, string>,
    options: OutboundOptions,
  ): Promise<OutboundResult>;
  /** GETs a customer document (an app's JWKS) under the same rules. */
  get(url: URL, headers: Record<string, string>, options: OutboundOptions): Promise<OutboundResult>;
  /** Closes the kept-alive connections (at shutdown). */
  close(): void;
}

/**
 * The client for every call Overture makes to customer endpoints (hooks, OTP gateways, webhooks).
 * Connections are kept alive per client; guarded sockets are never shared with unguarded ones,
 * because an agent reuses a socket without looking the host up again.
 */
export function createOutboundClient(): OutboundClient {
  const agents = {
    http: { guarded: new HttpAgent({ keepAlive: true }), open: new HttpAgent({ keepAlive: true }) },
    https: { guarded: new HttpsAgent({ keepAlive: true }), open: new HttpsAgent({ keepAlive: true }) },
  };
  return {
    post: (url, body, headers, options) => send(agents, "POST", url, body, headers, options),
    get: (url, headers, options) => send(agents, "GET", url, null, headers, options),
    close: () => {
      for (const agent of [agents.http.guarded, agents.http.open, agents.https.guarded, agents.https.open])
        agent.destroy();
    },
  };
}

type Agents = {
  http: { guarded: HttpAgent; open: HttpAgent };
  https: { guarded: HttpsAgent; open: HttpsAgent };
};

function send(
  agents: Agents,
  method: "GET" | "POST",
  url: URL,
  body: string | null,
  headers: Record<string, string>,
  options: OutboundOptions,
): Promise<OutboundResult> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (options.publicOnly && isIP(host) !== 0 && isInternalAddress(host)) {
    return Promise.resolve({ ok: false, failure: "refused", detail: `${host} is an internal address` });
  }
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: OutboundResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = request(url, {
      method,
      headers: body === null ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
      agent: agents[url.protocol === "https:" ? "https" : "http"][options.publicOnly ? "guarded" : "open"],
      ...(options.publicOnly && { lookup: publicLookup }),
    });
    const timer = setTimeout(() => {
      finish({ ok: false, failure: "timeout", detail: `no complete answer within ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) => {
      finish(
        error.code === "EOVERTURE_REFUSED"
          ? { ok: false, failure: "refused", detail: error.message }
          : { ok: false, failure: "failed", detail: `${error.code ?? "error"}: ${error.message}` },
      );
    });
    req.on("response", (res) => {
      const declared = Number(res.headers["content-length"] ?? 0);
      if (declared > options.maxResponseBytes) {
        finish({ ok: false, failure: "too_large", detail: `content-length ${declared}` });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxResponseBytes) {
          finish({ ok: false, failure: "too_large", detail: `over ${options.maxResponseBytes} bytes` });
          res.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () =>
        finish({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", (error) => finish({ ok: false, failure: "failed", detail: error.message }));
    });
    req.end(body ?? undefined);
  });
}
