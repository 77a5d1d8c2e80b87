import Type from "typebox";

/** The customer's migration hook (seed 000); the rules for the URL are in docs/migration.md. */
export const SessionValidationUrl = Type.String({
  format: "uri",
  minLength: 1,
  maxLength: 2048,
  description:
    "HTTPS endpoint on your side that validates legacy sessions during the migration window. `http` to a loopback host is accepted in `dev` mode only.",
  examples: ["https://api.example.com/session/validate"],
});

export const MigrationConfigRequest = Type.Object(
  { session_validation_url: SessionValidationUrl },
  { additionalProperties: false },
);
export type MigrationConfigRequest = Type.Static<typeof MigrationConfigRequest>;

export const MigrationConfig = Type.Object({
  session_validation_url: SessionValidationUrl,
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});
export type MigrationConfig = Type.Static<typeof MigrationConfig>;

export const MigrationConfigResponse = Type.Object({ config: MigrationConfig });

/** The longest window `GET /migration/overview` answers, in days. */
export const MIGRATION_OVERVIEW_DAYS_MAX = 90;

export const MigrationOverviewQuery = Type.Object(
  {
    days: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MIGRATION_OVERVIEW_DAYS_MAX,
        description: "How many UTC days, today included (default 30).",
      }),
    ),
  },
  { additionalProperties: false },
);

const UsersBySource = Type.Object(
  {
    migration: Type.Integer({ description: "Created by lazy migration (the hook vouched for a new user)." }),
    api: Type.Integer({
      description: "Created through `POST /users`: the backfill, `overture users import`.",
    }),
    import: Type.Integer({
      description: "Reserved for a bulk import run by the server itself; none creates users yet.",
    }),
    sign_up: Type.Integer({ description: "Created by password sign-up." }),
    login: Type.Integer({ description: "Created at a first OTP or social login." }),
  },
  { description: "Users created, by how." },
);

const ActivityCounts = {
  users_created: UsersBySource,
  migrations: Type.Integer({
    description: "Legacy sessions exchanged through `POST /v1/session/migration`.",
  }),
  hook_failures: Type.Integer({
    description: "Session validation hook calls that failed (`migration.hook_failed`).",
  }),
};

export const MigrationOverviewResponse = Type.Object({
  hook_configured: Type.Boolean({
    description: "Whether lazy migration is configured (`/config/migration`).",
  }),
  user_count: Type.Integer({ description: "Users the app has now." }),
  totals: Type.Object(ActivityCounts, {
    description:
      "Since the server began counting (Overture 0.x with daily counters); deleted users still count as created.",
  }),
  days: Type.Array(Type.Object({ date: Type.String({ format: "date" }), ...ActivityCounts }), {
    description: "One entry per UTC day, oldest first, days with nothing included.",
  }),
});
export type MigrationOverviewResponse = Type.Static<typeof MigrationOverviewResponse>;
