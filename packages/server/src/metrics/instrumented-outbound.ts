import type { OutboundClient, OutboundResult } from "../outbound/outbound-client.js";
import type { Metrics } from "./metrics.js";

const outcomeOf = (result: OutboundResult) =>
  result.ok
    ? `${Math.floor(result.status / 100)}xx`
    : result.failure === "failed"
      ? "failed"
      : result.failure;

/** The outbound client, each call counted and timed by peer (overture_outbound_*). */
export function instrumentOutbound(client: OutboundClient, metrics: Metrics): OutboundClient {
  const timed = async (peer: Parameters<Metrics["outbound"]>[0], call: Promise<OutboundResult>) => {
    const started = performance.now();
    const result = await call;
    metrics.outbound(peer, outcomeOf(result), (performance.now() - started) / 1000);
    return result;
  };
  return {
    post: (url, body, headers, options) => timed(options.peer, client.post(url, body, headers, options)),
    get: (url, headers, options) => timed(options.peer, client.get(url, headers, options)),
    close: () => client.close(),
  };
}
