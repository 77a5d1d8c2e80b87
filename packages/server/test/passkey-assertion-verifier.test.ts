import { verifyAuthenticationResponse } from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import type { PasskeyConfigValue } from "../src/domain/passkeys/passkey-config.js";
import { PasskeyKeys } from "../src/domain/passkeys/passkey-keys.js";
import { verifyAssertion } from "../src/domain/passkeys/verify-assertion.js";
import {
  creationOptions,
  verifyAttestation,
  webauthnChallenge,
} from "../src/domain/passkeys/webauthn-ceremony.js";
import { type CeremonyOptions, SoftAuthenticator } from "./support/soft-authenticator.js";

const ORIGIN = "https://example.com";

/**
 * Overture verifies assertions with node:crypto (verify-assertion.ts) rather than through
 * @simplewebauthn/server, for speed (docs/passkeys.md, "Performance"). This holds the two to the
 * same answers: for each key type, a genuine assertion and each kind of tampering, both accept
 * or both refuse.
 */
describe("passkey assertions: Overture's verifier agrees with @simplewebauthn/server", () => {
  for (const uv of ["required", "preferred"] as const) {
    const config: PasskeyConfigValue = {
      rp_id: "example.com",
      rp_name: "Example",
      allowed_origins: [ORIGIN],
      user_verification: uv,
      attestation_preference: "none",
      login_enabled: true,
      granted_scopes: [],
      aaguid_allowlist: [],
    };
    for (const alg of [-7, -8, -257] as const) {
      it(`alg ${alg}, user_verification ${uv}`, async () => {
        const auth = new SoftAuthenticator(ORIGIN);
        const challenge = webauthnChallenge("registration");
        const attested = await verifyAttestation(
          config,
          auth.create(
            creationOptions(config, { challenge, userId: "usr_1", name: "a", displayName: "a", exclude: [] }),
            { alg },
          ) as never,
          challenge,
        );
        if (!attested.ok) throw new Error(attested.message);
        const passkey = {
          ...attested.credential,
          id: "pkc_1",
          appId: "app",
          userId: "usr_1",
          rpId: "example.com",
          nickname: null,
          createdAt: 0,
          lastUsedAt: null,
          signCount: 5,
        };
        const expected = webauthnChallenge("login");
        const options = { challenge: expected, rpId: "example.com", allowCredentials: [] };
        const cases: [string, CeremonyOptions & { credentialId?: string }][] = [
          ["genuine", { signCount: 9 }],
          ["wrong origin", { signCount: 9, origin: "https://evil.example" }],
          ["wrong RP ID", { signCount: 9, rpId: "evil.example" }],
          ["wrong challenge", { signCount: 9, challenge: "AAAA" }],
          ["wrong type", { signCount: 9, type: "webauthn.create" }],
          ["user absent", { signCount: 9, userAbsent: true }],
          ["user not verified", { signCount: 9, userVerified: false }],
          ["stale counter", { signCount: 5 }],
          ["backup state without eligibility", { signCount: 9, extraFlags: 0x10 }],
        ];
        const keys = new PasskeyKeys();
        for (const [name, o] of cases) {
          const assertion = auth.get(options, o);
          const ours = verifyAssertion(keys, config, passkey, assertion as never, expected).ok;
          const library = await verifyAuthenticationResponse({
            response: assertion as never,
            expectedChallenge: expected,
            expectedOrigin: config.allowed_origins,
            expectedRPID: config.rp_id,
            credential: {
              id: passkey.credentialId,
              publicKey: new Uint8Array(Buffer.from(passkey.publicKey, "base64url")),
              counter: passkey.signCount,
            },
            requireUserVerification: uv === "required",
          }).then(
            (r) => r.verified,
            () => false,
          );
          expect(ours, name).toBe(library);
          expect(ours, name).toBe(name === "genuine" || (name === "user not verified" && uv === "preferred"));
        }
        // A signature by another key, and one that is not even DER, fail both.
        const forged = auth.get(options, { signCount: 9 });
        forged.response.signature = Buffer.from("not a signature").toString("base64url");
        expect(verifyAssertion(keys, config, passkey, forged as never, expected).ok).toBe(false);
      });
    }
  }
});
