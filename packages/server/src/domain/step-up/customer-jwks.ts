import type { KeyObject } from "node:crypto";
import type { AppRecord } from "../apps/app-repository.js";

/**
 * The keys of an app's `jwks_url` (prelude-api.md §7.3): RS256 keys by `kid`, cached for 10
 * minutes and fetched again for a `kid` the cache does not know — at most once per 30 s per URL,
 * so a stream of tokens with made-up kids cannot turn into a stream of requests to the customer.
 */
export interface CustomerJwks {
  rsaKey(app: AppRecord, url: string, kid: string): Promise<KeyObject | null>;
}
