import Type from "typebox";

/**
 * Kinds of identifier. `oauth` is an account at a social login provider, valued
 * `<provider>:<the provider's user id>` (`google:1098…`), as the migration guide keys them
 * (docs/users.md, "OAuth identities").
 */
export const identifierTypes = ["email_address", "phone_number", "oauth"] as const;
export type IdentifierType = (typeof identifierTypes)[number];

/** The identifiers a code can be sent to: OTP login and step-up. */
export const contactIdentifierTypes = ["email_address", "phone_number"] as const;
export type ContactIdentifierType = (typeof contactIdentifierTypes)[number];

export const IdentifierType = Type.Union(
  [Type.Literal("email_address"), Type.Literal("phone_number"), Type.Literal("oauth")],
  { description: "Kind of identifier; `oauth` is `<provider>:<provider user id>`." },
);

export const ContactIdentifierType = Type.Union(
  [Type.Literal("email_address"), Type.Literal("phone_number")],
  {
    description: "Kind of identifier a code is sent to.",
  },
);

/** Longest identifier value accepted on input (RFC 5321 caps a forward path at 320 octets). */
export const IDENTIFIER_VALUE_MAX = 320;

/**
 * Identifier as sent by clients. `type` may be omitted: it is then inferred from the value
 * (contains `@` → email_address, starts with `+` → phone_number, starts with a provider and `:` →
 * oauth), as some Prelude pages show.
 */
export const IdentifierInput = Type.Object(
  {
    type: Type.Optional(IdentifierType),
    value: Type.String({ minLength: 1, maxLength: IDENTIFIER_VALUE_MAX, examples: ["jane@example.com"] }),
  },
  { additionalProperties: false },
);
export type IdentifierInput = Type.Static<typeof IdentifierInput>;

/** An identifier a code can be sent to, as OTP login takes it. */
export const ContactIdentifierInput = Type.Object(
  {
    type: Type.Optional(ContactIdentifierType),
    value: Type.String({ minLength: 1, maxLength: IDENTIFIER_VALUE_MAX, examples: ["jane@example.com"] }),
  },
  { additionalProperties: false },
);

/** Identifier as stored and returned: always normalised (emails lower-cased, phones E.164). */
export const Identifier = Type.Object(
  {
    type: IdentifierType,
    value: Type.String({ examples: ["jane@example.com", "+33612345678", "google:109876543210"] }),
  },
  { title: "Identifier" },
);
export type Identifier = Type.Static<typeof Identifier>;

/** An identifier a code can be sent to. */
export interface ContactIdentifier {
  type: ContactIdentifierType;
  value: string;
}
