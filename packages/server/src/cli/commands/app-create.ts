import { listApps, provisionApp } from "../../domain/apps/apps.js";
import type { CliCommand } from "../cli-command.js";
import { appFrontendUrl } from "../serve-banner.js";

export const appCreate: CliCommand = {
  name: "app create",
  usage: "app create --name <name> [--json]       Create an application and its first API key.",
  run: (ctx) => {
    const { name } = ctx.values;
    if (!name) return Promise.resolve(ctx.usageError("app create needs --name <name>"));
    return ctx.withRuntime(async (runtime) => {
      const { app, apiKey } = await provisionApp(runtime.domain, name);
      const config = ctx.config();
      const count = (await listApps(runtime.domain)).length;
      // The second app ends "the only app is the default": plain hosts stop serving one.
      if (count > 1 && config.frontend.defaultApp === null) {
        ctx.io.err(
          `overture: note: ${count} apps now, and no OVERTURE_DEFAULT_APP: the Frontend API of each is at its own host only (${appFrontendUrl(config.server.publicUrl, app.id, config.frontend.baseDomain)}); localhost serves no app. Re-run \`overture dev-cert\` for HTTPS on the new host.`,
        );
      }
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
