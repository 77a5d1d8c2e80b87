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
