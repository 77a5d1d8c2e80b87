import { listApps } from "../../domain/apps/apps.js";
import { isoTime } from "../../domain/shared/clock.js";
import type { CliCommand } from "../cli-command.js";

export const appList: CliCommand = {
  name: "app list",
  usage: "app list [--json]                       List applications.",
  run: (ctx) =>
    ctx.withRuntime(async (runtime) => {
      const apps = await listApps(runtime.domain);
      ctx.print(
        apps.map((a) => `${a.id}\t${a.mode}\t${a.name}\t${isoTime(a.createdAt)}`).join("\n") || "No apps.",
        apps.map((a) => ({ app_id: a.id, name: a.name, mode: a.mode, created_at: isoTime(a.createdAt) })),
      );
      return 0;
    }),
};
