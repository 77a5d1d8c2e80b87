import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** Hosts named one by one, at most: a certificate with thousands of names is slow to check. */
const NAMED_HOSTS_MAX = 200;

/**
 * `overture dev-cert`: a self-signed P-256 certificate for local HTTPS, valid for localhost,
 * 127.0.0.1, ::1 and each host given (the apps' `{appId}.localhost`). Each app host is named: a
 * `*.localhost` wildcard is refused by Node's TLS client (no wildcard directly under a top-level
 * name), so it stays in only for browsers that take it. Uses the system's openssl: Node can read
 * certificates but not create them, and this is a development aid, not a server dependency.
 */
export function writeDevCert(
  dir: string,
  hosts: readonly string[] = [],
): { cert: string; key: string; hosts: string[] } | { error: string } {
  const named = [...new Set(["localhost", ...hosts.map((h) => h.toLowerCase())])].slice(0, NAMED_HOSTS_MAX);
  const altNames = [...named.map((h) => `DNS:${h}`), "DNS:*.localhost", "IP:127.0.0.1", "IP:::1"].join(",");
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, "dev-cert.pem");
  const key = join(dir, "dev-key.pem");
  const result = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "365",
      "-subj",
      "/CN=localhost",
      "-addext",
      `subjectAltName=${altNames}`,
    ],
    { encoding: "utf8" },
  );
  if (result.error)
    return { error: `openssl is needed to make a development certificate: ${result.error.message}` };
  if (result.status !== 0) return { error: `openssl failed: ${result.stderr}` };
  return { cert, key, hosts: named };
}
