import { Resolver } from "node:dns/promises";
import type { CnameResolver } from "../domain/apps/custom-domains.js";

/**
 * CNAME lookups for domain verification through node:dns, with the operator's resolvers
 * (OVERTURE_DNS_SERVERS) or the system's: 3 s per try, two tries. A failed lookup is an empty
 * answer, which verification reports as "found none".
 */
export function systemCnameResolver(servers: readonly string[]): CnameResolver {
  return {
    async resolveCname(host: string): Promise<string[]> {
      const resolver = new Resolver({ timeout: 3000, tries: 2 });
      if (servers.length > 0) resolver.setServers([...servers]);
      try {
        return (await resolver.resolveCname(host)).map((c) => c.toLowerCase().replace(/\.$/, ""));
      } catch {
        return [];
      }
    },
  };
}
