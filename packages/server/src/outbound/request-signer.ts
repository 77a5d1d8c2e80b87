import { constants, sign } from "node:crypto";
import type { KeyRing } from "../keys/key-ring.js";

/**
 * Signs the body of a request Overture sends to an app's backend (the migration hook; webhooks
 * next) with the app's hook key: RSASSA-PSS over SHA-256 of the exact body bytes (PS256), the key
 * published in the app's JWKS. Receivers verify with the SDK's verifiers (docs/migration.md).
 */
export async function signedRequestHeaders(
  keys: KeyRing,
  appId: string,
  body: string,
): Promise<{ "x-webhook-signature": string; "x-webhook-signature-key-id": string }> {
  const key = await keys.hookKey(appId);
  // RSA signing costs about a millisecond: on the thread pool, not the event loop.
  const signature = await new Promise<string>((resolve, reject) =>
    sign(
      "sha256",
      Buffer.from(body),
      {
        key: key.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      },
      (error, result) => (error ? reject(error) : resolve(result.toString("base64url"))),
    ),
  );
  return { "x-webhook-signature": `rsassa-pss-sha256=${signature}`, "x-webhook-signature-key-id": key.kid };
}
