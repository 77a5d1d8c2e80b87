import { generateKeyPairSync, sign, verify } from "node:crypto";

/** Raw node:crypto ES256 on one core: the ceiling the DPoP and token work is measured against. */
export function benchEs256(ms = 2000): { sign: number; verify: number } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const data = Buffer.from("eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0");
  const signature = sign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" });
  const rate = (fn: () => void) => {
    let n = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
    }
    return (n / ms) * 1000;
  };
  return {
    sign: rate(() => sign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" })),
    verify: rate(() => verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)),
  };
}
