import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";

export interface ReceivedCall {
  method: string;
  /** The request target: path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type ReceiverHandler = (call: ReceivedCall, res: ServerResponse) => void;

/**
 * A peer the server calls, on 127.0.0.1 — a migration hook, an OTP gateway, a webhook receiver:
 * records every request and answers with `handler`, which a test may swap with `answer`.
 */
export async function startReceiver(initial: ReceiverHandler) {
  const calls: ReceivedCall[] = [];
  let handler = initial;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const call = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      calls.push(call);
      handler(call, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/hook`,
    calls,
    answer(next: ReceiverHandler) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** A TCP listener that counts connections and closes them: shows a refused call never connected. */
export async function startConnectionCounter() {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
