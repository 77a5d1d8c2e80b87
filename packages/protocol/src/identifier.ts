import Type from "typebox";

export const identifierTypes = ["email_address", "phone_number"] as const;
export type IdentifierType = (typeof identifierTypes)[number];

export const IdentifierType = Type.Union([Type.Literal("email_address"), Type.Literal("phone_number")], {
  description: "Kind of identifier.",
});

/** Longest identifier value accepted on input (RFC 5321 caps a forward path at 320 octets). */
export const IDENTIFIER_VALUE_MAX = 320;

/**
 * Identifier as sent by clients. `type` may be omitted: it is then inferred from the value
 * (contains `@` → email_address, starts with `+` → phone_number), as some Prelude pages show.
 */
export const IdentifierInput = Type.Object(
  {
    type: Type.Optional(IdentifierType),
    value: Type.String({ minLength: 1, maxLength: IDENTIFIER_VALUE_MAX, examples: ["jane@example.com"] }),
  },
  { additionalProperties: false },
);
export type IdentifierInput = Type.Static<typeof IdentifierInput>;

/** Identifier as stored and returned: always normalised (emails lower-cased, phones E.164). */
export const Identifier = Type.Object(
  {
    type: IdentifierType,
    value: Type.String({ examples: ["jane@example.com", "+33612345678"] }),
  },
  { title: "Identifier" },
);
export type Identifier = Type.Static<typeof Identifier>;
