import { createHash } from "node:crypto";
import type { RegistrationResponseJson } from "@overture/protocol";
import { verifyRegistrationResponse } from "@simplewebauthn/server";
import type { Failure } from "../shared/outcome.js";
import type { PasskeyConfigValue } from "./passkey-config.js";
import type { PasskeyRecord } from "./passkey-repository.js";

/** How long a ceremony may take, from its options to its finish: the options' `timeout` and the tokens' life. */
export const CEREMONY_TTL_MS = 300_000;

/**
 * EdDSA, ES256 and RS256: what platform authenticators and security keys sign with, preferred
 * first. Registration accepts these only, so assertions are verified for these only.
 */
const ALGORITHMS = [-8, -7, -257];

type LibraryRegistration = Parameters<typeof verifyRegistrationResponse>[0]["response"];
type Attachment = LibraryRegistration["authenticatorAttachment"];

/** The wire JSON in the library's types: members a browser may omit given their defaults. */
const asLibraryRegistration = (r: RegistrationResponseJson): LibraryRegistration => ({
  ...r,
  response: { ...r.response, transports: r.response.transports as never },
  authenticatorAttachment: r.authenticatorAttachment as Attachment,
  clientExtensionResults: r.clientExtensionResults ?? {},
});

/**
 * The WebAuthn challenge of a ceremony: derived from the jti of the token that carries the
 * ceremony (a registration or login token, or a step-up challenge token), so that an assertion
 * answers exactly one token, and that token's single use makes the assertion single-use.
 */
export function webauthnChallenge(jti: string): string {
  return createHash("sha256").update(`overture webauthn\u0000${jti}`).digest("base64url");
}

/** The WebAuthn user handle of a user: their id, which is no personal data (WebAuthn §14.6.1). */
export function userHandle(userId: string): string {
  return Buffer.from(userId, "utf8").toString("base64url");
}

const descriptor = (p: PasskeyRecord) => ({
  id: p.credentialId,
  type: "public-key" as const,
  ...(p.transports.length > 0 && { transports: p.transports }),
});

/**
 * Options for `navigator.credentials.create`: a discoverable credential (it can sign in without a
 * username), the config's user verification and attestation, and the user's passkeys excluded so
 * that one authenticator is not registered twice.
 */
export function creationOptions(
  config: PasskeyConfigValue,
  input: { challenge: string; userId: string; name: string; displayName: string; exclude: PasskeyRecord[] },
) {
  return {
    rp: { id: config.rp_id, name: config.rp_name },
    user: { id: userHandle(input.userId), name: input.name, displayName: input.displayName },
    challenge: input.challenge,
    pubKeyCredParams: ALGORITHMS.map((alg) => ({ type: "public-key" as const, alg })),
    timeout: CEREMONY_TTL_MS,
    excludeCredentials: input.exclude.map(descriptor),
    authenticatorSelection: {
      residentKey: "required",
      requireResidentKey: true,
      userVerification: config.user_verification,
    },
    attestation: config.attestation_preference,
    extensions: { credProps: true },
  };
}

/** Options for `navigator.credentials.get`; `allow` empty lets the authenticator offer its discoverable credentials. */
export function requestOptions(config: PasskeyConfigValue, challenge: string, allow: PasskeyRecord[]) {
  return {
    challenge,
    timeout: CEREMONY_TTL_MS,
    rpId: config.rp_id,
    allowCredentials: allow.map(descriptor),
    userVerification: config.user_verification,
  };
}

/** What an attestation proves about a new credential: the stored passkey's own facts. */
export type AttestedCredential = Pick<
  PasskeyRecord,
  "credentialId" | "publicKey" | "signCount" | "transports" | "backupEligible" | "backupState" | "aaguid"
>;

export const invalid = (detail: string): Failure<"passkey_invalid"> => ({
  ok: false,
  reason: "passkey_invalid",
  message: `The passkey response does not verify: ${detail}`,
});

/** The library's reason, which names what in the client's own response is wrong; nothing secret. */
const reasonOf = (error: unknown) => (error instanceof Error ? error.message : "malformed response.");

/**
 * A registration response checked by @simplewebauthn/server (WebAuthn §7.1): the challenge, one of
 * the allowed origins, the RP ID hash, user presence, user verification when the config requires
 * it, and the attestation statement; then the config's authenticator allowlist.
 */
export async function verifyAttestation(
  config: PasskeyConfigValue,
  response: RegistrationResponseJson,
  challenge: string,
): Promise<{ ok: true; credential: AttestedCredential } | Failure<"passkey_invalid">> {
  let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>["registrationInfo"];
  try {
    const verified = await verifyRegistrationResponse({
      response: asLibraryRegistration(response),
      expectedChallenge: challenge,
      expectedOrigin: config.allowed_origins,
      expectedRPID: config.rp_id,
      requireUserVerification: config.user_verification === "required",
      supportedAlgorithmIDs: ALGORITHMS,
    });
    info = verified.registrationInfo;
  } catch (error) {
    return invalid(reasonOf(error));
  }
  if (!info) return invalid("the attestation does not verify.");
  if (config.aaguid_allowlist.length > 0 && !config.aaguid_allowlist.includes(info.aaguid.toLowerCase()))
    return invalid(`authenticator model ${info.aaguid} is not in the app's aaguid_allowlist.`);
  return {
    ok: true,
    credential: {
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString("base64url"),
      signCount: info.credential.counter,
      transports: [...new Set(response.response.transports ?? [])].slice(0, 8),
      backupEligible: info.credentialDeviceType === "multiDevice",
      backupState: info.credentialBackedUp,
      aaguid: info.aaguid,
    },
  };
}
