import { revokeApiKey } from "../../domain/apps/apps.js";
import type { CliCommand } from "../cli-command.js";

export const keyRevoke: CliCommand = {
  name: "key revoke",
  usage: "key revoke --app <id> --key <key_id>    Revoke an API key; it stops working at once.",
  run: (ctx) => {
    const { app, key } = ctx.values;
    if (!app || !key) return Promise.resolve(ctx.usageError("key revoke needs --app <id> --key <key_id>"));
    return ctx.withRuntime(async (runtime) => {
      const result = await revokeApiKey(runtime.domain, app, key);
      if (!result.ok) return ctx.failure(`No active key ${key} on app ${app}.`);
      ctx.io.out(`Revoked ${key}.`);
      return 0;
    });
  },
};
