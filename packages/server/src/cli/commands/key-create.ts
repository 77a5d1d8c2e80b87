import { createApiKey } from "../../domain/apps/apps.js";
import type { CliCommand } from "../cli-command.js";

export const keyCreate: CliCommand = {
  name: "key create",
  usage: `key create --app <id> [--name <n>] [--json]
                                          Create another management API key for an app.`,
  run: (ctx) => {
    const { app, name } = ctx.values;
    if (!app) return Promise.resolve(ctx.usageError("key create needs --app <id>"));
    return ctx.withRuntime(async (runtime) => {
      const result = await createApiKey(runtime.domain, app, name ?? "cli");
      if (!result.ok) return ctx.failure(`No app ${app}.`);
      const { key, secret } = result.apiKey;
      ctx.print(`Created key ${key.id} for app ${key.appId}.\nAPI key (shown once): ${secret}`, {
        app_id: key.appId,
        key_id: key.id,
        api_key: secret,
      });
      return 0;
    });
  },
};
