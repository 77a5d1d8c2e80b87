import { base64UrlDecode, base64UrlEncode } from "./base64url.js";

type Json = Record<string, unknown>;

/**
 * The two WebAuthn ceremonies, in the JSON the server speaks (base64url for bytes): options in,
 * credential out. In a browser, `navigator.credentials`; replace them to run ceremonies elsewhere
 * (a test's authenticator, a native bridge).
 */
export interface WebAuthnCalls {
  create(options: Json): Promise<Json>;
  get(options: Json): Promise<Json>;
}

interface Credentials {
  create(options: { publicKey: unknown }): Promise<unknown>;
  get(options: { publicKey: unknown }): Promise<unknown>;
}

export function browserWebAuthn(): WebAuthnCalls {
  const found = (globalThis as { navigator?: { credentials?: Credentials } }).navigator?.credentials;
  const credentials = (): Credentials => {
    if (!found) throw new Error("No navigator.credentials: pass `webauthn` to createSessionClient");
    return found;
  };
  return {
    create: async (json) =>
      credentialToJson(await credentials().create({ publicKey: creationOptionsFromJson(json) })),
    get: async (json) =>
      credentialToJson(await credentials().get({ publicKey: requestOptionsFromJson(json) })),
  };
}

const bytes = (value: unknown) => base64UrlDecode(String(value));
const encode = (buffer: unknown) => base64UrlEncode(new Uint8Array(buffer as ArrayBuffer));
const descriptors = (list: unknown) =>
  ((list as Json[] | undefined) ?? []).map((d) => ({ ...d, id: bytes(d.id) }));

/** The server's creation options (JSON, base64url) as `navigator.credentials.create` takes them. */
export function creationOptionsFromJson(json: Json): Json {
  const user = json.user as Json;
  return {
    ...json,
    challenge: bytes(json.challenge),
    user: { ...user, id: bytes(user.id) },
    excludeCredentials: descriptors(json.excludeCredentials),
  };
}

/** The server's request options (JSON, base64url) as `navigator.credentials.get` takes them. */
export function requestOptionsFromJson(json: Json): Json {
  return { ...json, challenge: bytes(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
}

/**
 * A `PublicKeyCredential` as its `toJSON()` gives it (WebAuthn L3 §5.1), built by hand, since not
 * every browser in use has `toJSON`.
 */
export function credentialToJson(credential: unknown): Json {
  const c = credential as Json & {
    response: Json & { getTransports?: () => string[] };
    getClientExtensionResults?: () => Json;
  };
  if (!c) throw new Error("The authenticator answered no credential");
  const r = c.response;
  const response: Json = { clientDataJSON: encode(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = encode(r.attestationObject);
    response.transports = r.getTransports?.() ?? [];
  } else {
    response.authenticatorData = encode(r.authenticatorData);
    response.signature = encode(r.signature);
    if (r.userHandle) response.userHandle = encode(r.userHandle);
  }
  return {
    id: c.id,
    rawId: encode(c.rawId),
    type: c.type,
    response,
    ...(typeof c.authenticatorAttachment === "string" && {
      authenticatorAttachment: c.authenticatorAttachment,
    }),
    clientExtensionResults: c.getClientExtensionResults?.() ?? {},
  };
}
