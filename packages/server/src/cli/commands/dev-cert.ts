import { listApps } from "../../domain/apps/apps.js";
import type { CliCommand } from "../cli-command.js";
import { writeDevCert } from "../dev-cert.js";

export const devCert: CliCommand = {
  name: "dev-cert",
  usage: `dev-cert [--out-dir <dir>]              Write a self-signed certificate for localhost and each app's
                                          {appId}.<base domain> host (default: the data directory), and
                                          print the variables that enable HTTPS. Run it again after
                                          creating an app.`,
  run: (ctx) =>
    ctx.withRuntime(async (runtime) => {
      const config = ctx.config();
      const apps = await listApps(runtime.domain);
      const publicHost = new URL(config.server.publicUrl).hostname;
      const hosts = [
        ...(/^[\d.]+$|^\[/.test(publicHost) ? [] : [publicHost]),
        ...apps.map((a) => `${a.id}.${config.frontend.baseDomain}`),
      ];
      const written = writeDevCert(ctx.values["out-dir"] ?? config.storage.dataDir, hosts);
      if ("error" in written) return ctx.failure(written.error);
      ctx.io.out(`Wrote ${written.cert} and ${written.key}, for ${written.hosts.join(", ")}.`);
      ctx.io.out("Serve HTTPS with:");
      ctx.io.out(`  OVERTURE_TLS_CERT=${written.cert} OVERTURE_TLS_KEY=${written.key} npm start`);
      ctx.io.out(
        "Browsers will not trust it until you do (docs/web-sdk.md); Node clients need NODE_EXTRA_CA_CERTS=<cert>.",
      );
      return 0;
    }),
};
