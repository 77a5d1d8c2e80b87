import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * `overture dev-cert`: a self-signed P-256 certificate for local HTTPS, valid for localhost,
 * *.localhost (the `{appId}.localhost` hosts), 127.0.0.1 and ::1. Uses the system's openssl: Node can
 * read certificates but not create them, and this is a development aid, not a server dependency.
 */
export function writeDevCert(dir: string): { cert: string; key: string } | { error: string } {
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
      "subjectAltName=DNS:localhost,DNS:*.localhost,IP:127.0.0.1,IP:::1",
    ],
    { encoding: "utf8" },
  );
  if (result.error)
    return { error: `openssl is needed to make a development certificate: ${result.error.message}` };
  if (result.status !== 0) return { error: `openssl failed: ${result.stderr}` };
  return { cert, key };
}
