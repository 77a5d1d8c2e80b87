import { generateKeyPairSync, type KeyObject, sign, webcrypto } from "node:crypto";
import { createStepVerificationIssuer } from "@overture/sdk";
import { json, startReceiver } from "./receiver.js";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * An app's backend for custom step-up steps: an RS256 key published by a JWKS server on
 * 127.0.0.1, the SDK's issuer of verification tokens with it, and `sign` for tokens the issuer
 * would never make (wrong claims, another header), as a test needs them.
 */
export async function startStepBackend(kid: string, now: () => number = Date.now) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
  const jwks = await startReceiver((_call, res) => json(res, 200, { keys: [jwk] }));
  const issue = createStepVerificationIssuer({
    privateKey: await webcrypto.subtle.importKey(
      "pkcs8",
      privateKey.export({ format: "der", type: "pkcs8" }),
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false,
      ["sign"],
    ),
    kid,
    now,
  });
  const signWith =
    (key: KeyObject) =>
    (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => {
      const input = `${b64({ alg: "RS256", typ: "JWT", kid, ...header })}.${b64(claims)}`;
      return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
    };
  return {
    jwksUrl: jwks.url,
    calls: jwks.calls,
    issue,
    sign: signWith(privateKey),
    /** The same claims and kid, signed by a key the JWKS does not publish. */
    signAsStranger: signWith(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey),
    close: jwks.close,
  };
}
