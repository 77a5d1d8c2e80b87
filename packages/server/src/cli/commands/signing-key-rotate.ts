import { rotateSigningKey } from "../../domain/apps/apps.js";
import type { CliCommand } from "../cli-command.js";

export const signingKeyRotate: CliCommand = {
  name: "signing-key rotate",
  aliases: ["keys rotate"],
  usage: `signing-key rotate --app <id> [--alg ES256|RS256] [--json]
                                          New current token signing key; old keys stay in the JWKS
                                          until the tokens they signed have expired.`,
  run: (ctx) => {
    const { app, alg } = ctx.values;
    if (!app) return Promise.resolve(ctx.usageError("signing-key rotate needs --app <id>"));
    if (alg !== undefined && alg !== "ES256" && alg !== "RS256")
      return Promise.resolve(ctx.usageError("--alg must be ES256 or RS256"));
    return ctx.withRuntime(async (runtime) => {
      const result = await rotateSigningKey(runtime.domain, app, alg);
      if (!result.ok) return ctx.failure(`No app ${app}.`);
      ctx.print(`New signing key ${result.key.id} (${result.key.alg}) is current for app ${app}.`, {
        app_id: app,
        kid: result.key.id,
        alg: result.key.alg,
      });
      return 0;
    });
  },
};
