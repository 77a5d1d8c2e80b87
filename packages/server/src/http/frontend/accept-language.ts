/** At most this many languages reach a token (the claims mapping's `locales`). */
const LOCALES_MAX = 5;
const TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/**
 * The languages of an Accept-Language header (RFC 9110 §12.5.4), most preferred first: by `q`,
 * then in the order given; `*`, `q=0` and malformed entries left out, so a token only ever carries
 * well-formed language tags, whatever a client sends.
 */
export function acceptLanguages(header: string | string[] | undefined): string[] {
  if (typeof header !== "string" || header.length === 0) return [];
  const ranked: { tag: string; q: number; order: number }[] = [];
  for (const [order, part] of header.slice(0, 512).split(",").entries()) {
    const [rawTag = "", ...params] = part.split(";").map((p) => p.trim());
    if (!TAG.test(rawTag)) continue;
    let q = 1;
    for (const param of params) {
      const match = /^q=([01](\.\d{0,3})?)$/i.exec(param);
      if (match) q = Number(match[1]);
    }
    if (q > 0 && q <= 1) ranked.push({ tag: rawTag, q, order });
  }
  ranked.sort((a, b) => b.q - a.q || a.order - b.order);
  return [...new Set(ranked.map((r) => r.tag))].slice(0, LOCALES_MAX);
}
