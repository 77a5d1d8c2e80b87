import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { lookup as dnsLookupAsync } from "node:dns/promises";
import { BlockList, isIP, type LookupFunction } from "node:net";

/** Addresses a customer endpoint must not resolve to in `prod` (SSRF guard). */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  INTERNAL.addSubnet(net, prefix, "ipv4");
}
// IPv6 forms that carry or reach an IPv4 address (IPv4-compatible, IPv4-mapped, NAT64 both
// prefixes, 6to4) are blocked whole: each can reach an internal IPv4 host through a translator.
for (const [net, prefix] of [
  ["::", 96],
  ["::ffff:0:0", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["2002::", 16],
  ["fc00::", 7],
  ["fec0::", 10],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  INTERNAL.addSubnet(net, prefix, "ipv6");
}

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return INTERNAL.check(mapped, "ipv4");
  return INTERNAL.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Resolves like the default lookup, then refuses internal addresses. It runs as the socket's own
 * lookup, so the address checked is the address connected to: a DNS answer that changes between
 * a check and the connection (DNS rebinding) cannot slip through.
 */
export const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    const blocked = addresses.find((a) => isInternalAddress(a.address));
    if (blocked || addresses.length === 0) {
      const refusal = Object.assign(new Error(`${hostname} resolves to an internal address`), {
        code: "EOVERTURE_REFUSED",
      });
      return callback(refusal, "", 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};

/**
 * An operator's list of internal hosts a sender may reach anyway (an internal mail relay): host
 * names, matched exactly against the configured host, and IPv4/IPv6 addresses or CIDR blocks,
 * matched against every address the host resolves to.
 */
export function internalAllowList(
  entries: readonly string[],
): (hostname: string, address: string) => boolean {
  const names = new Set<string>();
  const blocks = new BlockList();
  for (const entry of entries) {
    const [net = "", prefix] = entry.split("/");
    const family = isIP(net);
    if (family === 0) names.add(entry.toLowerCase());
    else if (prefix === undefined) blocks.addAddress(net, family === 4 ? "ipv4" : "ipv6");
    else blocks.addSubnet(net, Number(prefix), family === 4 ? "ipv4" : "ipv6");
  }
  return (hostname, address) =>
    names.has(hostname.toLowerCase()) || blocks.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/**
 * Resolves a host for a connection Overture opens itself (SMTP) and refuses it when any address
 * is internal and not admitted by `allowed`. The caller connects to the address returned, never
 * to the name again, so the address checked is the one connected to.
 */
export async function resolvePublicAddress(
  hostname: string,
  allowed: (hostname: string, address: string) => boolean,
): Promise<{ ok: true; address: string } | { ok: false; failure: "refused" | "failed"; detail: string }> {
  const host = hostname.replace(/^\[|\]$/g, "");
  let addresses: LookupAddress[];
  try {
    addresses = await dnsLookupAsync(host, { all: true });
  } catch (error) {
    return {
      ok: false,
      failure: "failed",
      detail: `${(error as NodeJS.ErrnoException).code ?? "error"}: lookup`,
    };
  }
  const blocked = addresses.find((a) => isInternalAddress(a.address) && !allowed(host, a.address));
  const first = addresses[0];
  if (blocked || !first)
    return { ok: false, failure: "refused", detail: `${host} resolves to an internal address` };
  return { ok: true, address: first.address };
}
