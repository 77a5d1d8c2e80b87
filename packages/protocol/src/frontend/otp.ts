import Type from "typebox";
import { ContactIdentifierInput } from "../identifier.js";

export const OtpLoginStartRequest = Type.Object(
  {
    identifier: ContactIdentifierInput,
    login_config_id: Type.Optional(Type.String({ maxLength: 64 })),
    dispatch_id: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const OtpStartRequest = Type.Object(
  {
    identifier: Type.Optional(ContactIdentifierInput),
    challenge_token: Type.Optional(Type.String({ maxLength: 8192 })),
    code_challenge: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{43}$" })),
    login_config_id: Type.Optional(Type.String({ maxLength: 64 })),
    dispatch_id: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const OtpCheckRequest = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 16 }),
    challenge_token: Type.Optional(Type.String({ maxLength: 8192 })),
  },
  { additionalProperties: false },
);
