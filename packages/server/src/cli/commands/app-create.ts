import { provisionApp } from "../../domain/apps/apps.js";
import type { CliCommand } from "../cli-command.js";

export const appCreate: CliCommand = {
  name: "app create",
  usage: "app create --name <name> [--json]       Create an application and its first API key.",
  run: (ctx) => {
    const { name } = ctx.values;
    if (!name) return Promise.resolve(ctx.usageError("app create needs --name <name>"));
    return ctx.withRuntime(async (runtime) => {
      const { app, apiKey } = await provisionApp(runtime.domain, name);
      ctx.print(
        `Created app ${app.id} (${app.name}, mode ${app.mode}).\nAPI key (shown once): ${apiKey.secret}`,
        {
          app_id: app.id,
          name: app.name,
          mode: app.mode,
          api_key: apiKey.secret,
          key_id: apiKey.key.id,
        },
      );
      return 0;
    });
  },
};
