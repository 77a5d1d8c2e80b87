import type { CliCommand } from "../cli-command.js";

export const dbMigrate: CliCommand = {
  name: "db migrate",
  usage: "db migrate                              Apply pending database migrations and exit.",
  run: (ctx) =>
    ctx.withRuntime(async (runtime) => {
      ctx.io.out(
        runtime.migrated.length
          ? `Applied: ${runtime.migrated.join(", ")}`
          : "The database schema is up to date.",
      );
      return 0;
    }),
};
