import type { CliCommand } from "../cli-command.js";
import { writeDevCert } from "../dev-cert.js";

export const devCert: CliCommand = {
  name: "dev-cert",
  usage: `dev-cert [--out-dir <dir>]              Write a self-signed localhost certificate (default: the data
                                          directory) and print the variables that enable HTTPS.`,
  run: async (ctx) => {
    const written = writeDevCert(ctx.values["out-dir"] ?? ctx.config().storage.dataDir);
    if ("error" in written) return ctx.failure(written.error);
    ctx.io.out(`Wrote ${written.cert} and ${written.key}. Serve HTTPS with:`);
    ctx.io.out(`  OVERTURE_TLS_CERT=${written.cert} OVERTURE_TLS_KEY=${written.key} npm start`);
    return 0;
  },
};
