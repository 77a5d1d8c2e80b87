/**
 * A `__Host-` cookie: Secure, Path=/, no Domain (so it stays on this exact host), HttpOnly, and
 * SameSite=Lax, which still reaches same-site API calls from the app's pages, unless `None` is
 * asked for (a provider's cross-site form POST must carry it). Max-Age 0 clears it.
 */
export function hostCookie(
  name: string,
  value: string,
  maxAgeSeconds: number,
  sameSite: "Lax" | "None" = "Lax",
): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; Secure; HttpOnly; SameSite=${sameSite}`;
}

/** The value of cookie `name` in a Cookie header; undefined when absent or empty. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
