import { listApiKeys } from "../../domain/apps/apps.js";
import { isoTime } from "../../domain/shared/clock.js";
import type { CliCommand } from "../cli-command.js";

export const keyList: CliCommand = {
  name: "key list",
  usage: "key list --app <id> [--json]            List an app's API keys (never their secrets).",
  run: (ctx) => {
    const { app } = ctx.values;
    if (!app) return Promise.resolve(ctx.usageError("key list needs --app <id>"));
    return ctx.withRuntime(async (runtime) => {
      const keys = await listApiKeys(runtime.domain, app);
      ctx.print(
        keys
          .map(
            (k) =>
              `${k.id}\t${k.hint}\t${k.name}\t${k.revokedAt ? `revoked ${isoTime(k.revokedAt)}` : "active"}`,
          )
          .join("\n") || "No keys.",
        keys.map((k) => ({
          key_id: k.id,
          name: k.name,
          hint: k.hint,
          created_at: isoTime(k.createdAt),
          revoked_at: k.revokedAt ? isoTime(k.revokedAt) : null,
        })),
      );
      return 0;
    });
  },
};
