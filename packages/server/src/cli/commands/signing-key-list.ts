import { listSigningKeys } from "../../domain/apps/apps.js";
import { isoTime } from "../../domain/shared/clock.js";
import type { CliCommand } from "../cli-command.js";

export const signingKeyList: CliCommand = {
  name: "signing-key list",
  usage: `signing-key list --app <id> [--json]    List an app's token signing keys in its JWKS: the current
                                          one and retired ones still published (public parts only).`,
  run: (ctx) => {
    const { app } = ctx.values;
    if (!app) return Promise.resolve(ctx.usageError("signing-key list needs --app <id>"));
    return ctx.withRuntime(async (runtime) => {
      const result = await listSigningKeys(runtime.domain, app);
      if (!result.ok) return ctx.failure(`No app ${app}.`);
      const status = (k: (typeof result.keys)[number]) =>
        k.retiredAt === null
          ? "current"
          : `retired ${isoTime(k.retiredAt)}, published until ${k.expiresAt ? isoTime(k.expiresAt) : "–"}`;
      ctx.print(
        result.keys.map((k) => `${k.id}\t${k.alg}\t${isoTime(k.createdAt)}\t${status(k)}`).join("\n"),
        result.keys.map((k) => ({
          kid: k.id,
          alg: k.alg,
          created_at: isoTime(k.createdAt),
          retired_at: k.retiredAt === null ? null : isoTime(k.retiredAt),
          published_until: k.expiresAt === null ? null : isoTime(k.expiresAt),
        })),
      );
      return 0;
    });
  },
};
