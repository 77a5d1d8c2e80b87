import Type from "typebox";

/**
 * What a token may carry, bounded so that an access token stays under 8 KiB — the default limit of
 * one header line in common proxies (nginx) — with every allowed scope and a full claims mapping
 * in it (docs/scopes-and-claims.md).
 */
export const SCOPE_LIMITS = {
  scopeLengthMax: 128,
  /** Allowed scopes per app. */
  allowedScopesMax: 100,
  /** The app's allowed scopes joined by spaces: the longest `scope` claim a token can have. */
  allowedScopesCharsMax: 2048,
  groupsPerAppMax: 100,
  groupNameLengthMax: 64,
  scopesPerGroupMax: 100,
} as const;

/**
 * The one scope pattern of the server: letters, digits, `.`, `-`, `_` and `:` (prelude-api.md §2.1),
 * as in `admin`, `read:invoices`, `prld:pwd:write`. `prld:` is reserved (RESERVED_SCOPES).
 */
export const SCOPE_PATTERN = "^[a-zA-Z0-9.\\-_:]+$";

/** The reserved scopes an app may declare (prelude-api.md §9.4); any other `prld:` scope is refused. */
export const RESERVED_SCOPES = [
  "prld:pwd:write",
  "prld:passkey:write",
  "prld:phone:register",
  "prld:email:register",
] as const;

export const ScopeName = Type.String({
  minLength: 1,
  maxLength: SCOPE_LIMITS.scopeLengthMax,
  pattern: SCOPE_PATTERN,
  examples: ["read:invoices"],
});

export const GROUP_NAME_PATTERN = "^[a-zA-Z0-9\\-_]+$";

export const GroupName = Type.String({
  minLength: 1,
  maxLength: SCOPE_LIMITS.groupNameLengthMax,
  pattern: GROUP_NAME_PATTERN,
  examples: ["admins"],
});

export const ScopeRequest = Type.Object({ scope: ScopeName }, { additionalProperties: false });
export type ScopeRequest = Type.Static<typeof ScopeRequest>;

export const ScopesResponse = Type.Object({
  scopes: Type.Array(Type.String(), { description: "The app's allowed scopes, sorted." }),
});

export const Group = Type.Object(
  {
    name: Type.String({ examples: ["admins"] }),
    scopes: Type.Array(Type.String(), { examples: [["read", "write"]] }),
    created_at: Type.String({ format: "date-time" }),
    updated_at: Type.String({ format: "date-time" }),
  },
  { title: "Group" },
);

const GroupScopes = Type.Array(ScopeName, {
  maxItems: SCOPE_LIMITS.scopesPerGroupMax,
  description: "Each must be an allowed scope; duplicates count once.",
});

export const CreateGroupRequest = Type.Object(
  { name: GroupName, scopes: GroupScopes },
  { additionalProperties: false },
);
export type CreateGroupRequest = Type.Static<typeof CreateGroupRequest>;

export const SetGroupScopesRequest = Type.Object({ scopes: GroupScopes }, { additionalProperties: false });

export const GroupsResponse = Type.Object({ groups: Type.Array(Group) });

export const GroupParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  groupName: GroupName,
});

export const UserScopeParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  userID: Type.String({ maxLength: 64 }),
  scope: ScopeName,
});

export const UserGroupParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  userID: Type.String({ maxLength: 64 }),
  groupName: GroupName,
});

export const UserGroupRequest = Type.Object({ group: GroupName }, { additionalProperties: false });

export const SuccessResponse = Type.Object({ success: Type.Literal(true) });
