import Type from "typebox";
import { Identifier, IdentifierInput } from "../identifier.js";

/** Limits on user fields; documented in docs/users.md and enforced by the schemas below. */
export const USER_LIMITS = {
  externalIdMax: 128,
  identifiersPerRequest: 20,
  profileBytesMax: 16_384,
  profileKeysMax: 100,
  profileKeyLengthMax: 100,
  passwordLengthMax: 1024,
  batchLookupMax: 100,
  pageSizeDefault: 20,
  pageSizeMax: 100,
} as const;

export const userStatuses = ["active", "disabled"] as const;
export type UserStatus = (typeof userStatuses)[number];
export const UserStatus = Type.Union([Type.Literal("active"), Type.Literal("disabled")], {
  description: "`disabled` users cannot sign in; disabling ends their sessions.",
});

export const ExternalId = Type.String({
  minLength: 1,
  maxLength: USER_LIMITS.externalIdMax,
  description: "Your own identifier for the user (for example your legacy user id).",
  examples: ["legacy-user-42"],
});

export const Profile = Type.Record(
  Type.String({ maxLength: USER_LIMITS.profileKeyLengthMax }),
  Type.Unknown(),
  {
    maxProperties: USER_LIMITS.profileKeysMax,
    description: "Free-form JSON object.",
    examples: [{ first_name: "Jane", last_name: "Doe" }],
  },
);

export const User = Type.Object(
  {
    id: Type.String({ examples: ["usr_01jqebhswje1ka1z7ahr9rfsgt"] }),
    external_id: Type.Union([Type.String(), Type.Null()]),
    status: UserStatus,
    identifiers: Type.Array(Identifier),
    scopes: Type.Array(Type.String(), { description: "Scopes granted to the user directly, sorted." }),
    groups: Type.Array(Type.String(), { description: "The groups the user is in, sorted." }),
    profile: Type.Record(Type.String(), Type.Unknown()),
    has_password: Type.Boolean(),
    created_at: Type.String({ format: "date-time" }),
    updated_at: Type.String({ format: "date-time" }),
  },
  { title: "User" },
);
export type User = Type.Static<typeof User>;

export const UserIdParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  userID: Type.String({ maxLength: 64 }),
});

/**
 * A password hash carried over from another system (docs/passwords.md#importing-hashes). PHC and
 * bcrypt strings go in `hash` whole; the other algorithms take their parameters beside it.
 */
export const PasswordHashInput = Type.Object(
  {
    algorithm: Type.Union([
      Type.Literal("argon2id"),
      Type.Literal("argon2i"),
      Type.Literal("bcrypt"),
      Type.Literal("scrypt"),
      Type.Literal("firebase_scrypt"),
      Type.Literal("pbkdf2_sha256"),
      Type.Literal("pbkdf2_sha512"),
      Type.Literal("sha256_salted"),
    ]),
    hash: Type.String({ minLength: 1, maxLength: 1024 }),
    /** How `hash` and `salt` are encoded, for the algorithms that are not PHC or bcrypt strings. */
    encoding: Type.Optional(Type.Union([Type.Literal("base64"), Type.Literal("hex")])),
    salt: Type.Optional(Type.String({ maxLength: 1024 })),
    iterations: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    n: Type.Optional(Type.Integer({ minimum: 2, maximum: 1_048_576 })),
    r: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
    p: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
    salt_separator: Type.Optional(Type.String({ maxLength: 256 })),
    signer_key: Type.Optional(Type.String({ maxLength: 1024 })),
    rounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
    mem_cost: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    salt_position: Type.Optional(Type.Union([Type.Literal("prefix"), Type.Literal("suffix")])),
  },
  { additionalProperties: false },
);
export type PasswordHashInput = Type.Static<typeof PasswordHashInput>;

export const CreateUserRequest = Type.Object(
  {
    external_id: Type.Optional(ExternalId),
    identifiers: Type.Optional(Type.Array(IdentifierInput, { maxItems: USER_LIMITS.identifiersPerRequest })),
    profile: Type.Optional(Profile),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: USER_LIMITS.passwordLengthMax })),
    password_hash: Type.Optional(PasswordHashInput),
  },
  { additionalProperties: false },
);
export type CreateUserRequest = Type.Static<typeof CreateUserRequest>;

export const CreateUserResponse = Type.Object({ id: Type.String(), user: User });

export const ListUsersQuery = Type.Object(
  {
    external_id: Type.Optional(ExternalId),
    identifier_type: Type.Optional(
      Type.Union([Type.Literal("email_address"), Type.Literal("phone_number"), Type.Literal("oauth")]),
    ),
    identifier_value: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: USER_LIMITS.pageSizeMax })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListUsersQuery = Type.Static<typeof ListUsersQuery>;

export const ListUsersResponse = Type.Object({
  users: Type.Array(User),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: "Pass as `cursor` to get the next page; null on the last page.",
  }),
});

export const BatchLookupRequest = Type.Object(
  {
    external_ids: Type.Optional(
      Type.Array(ExternalId, { maxItems: USER_LIMITS.batchLookupMax, uniqueItems: false }),
    ),
    emails: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 320 }), { maxItems: USER_LIMITS.batchLookupMax }),
    ),
    oauth_identities: Type.Optional(
      Type.Array(
        Type.String({ minLength: 1, maxLength: 320, description: "`<provider>:<provider user id>`" }),
        {
          maxItems: USER_LIMITS.batchLookupMax,
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type BatchLookupRequest = Type.Static<typeof BatchLookupRequest>;

export const UsersResponse = Type.Object({ users: Type.Array(User) });
export const UserResponse = Type.Object({ user: User });

export const UpdateExternalIdRequest = Type.Object(
  { external_id: ExternalId },
  { additionalProperties: false },
);
export const UpdateStatusRequest = Type.Object({ status: UserStatus }, { additionalProperties: false });
export const IdentifierRequest = Type.Object(
  { identifier: IdentifierInput },
  { additionalProperties: false },
);
export type IdentifierRequest = Type.Static<typeof IdentifierRequest>;
export const SetPasswordRequest = Type.Object(
  {
    password: Type.String({ minLength: 1, maxLength: USER_LIMITS.passwordLengthMax }),
    revoke_sessions: Type.Optional(
      Type.Boolean({
        description:
          "End the user's sessions in the same transaction (default true): a changed password usually means the old one leaked.",
      }),
    ),
  },
  { additionalProperties: false },
);
export const MessageResponse = Type.Object({ message: Type.String() });
