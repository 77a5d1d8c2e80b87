import { existsSync } from "node:fs";
import type { CliCommand } from "../cli-command.js";
import { ImportStopped, importUsers } from "../import-users.js";

export const usersImport: CliCommand = {
  name: "users import",
  usage: `users import --app <id> --file <users.jsonl> [--url <base>] [--concurrency <n>] [--restart]
                     [--rejects <file>]
                                          Create users from JSON lines (POST /users bodies) through
                                          the Management API at --url (default OVERTURE_PUBLIC_URL),
                                          with the key in OVERTURE_API_KEY. Existing external_ids are
                                          skipped; a stopped run resumes where it stopped. Failed
                                          lines are reported in line order and copied to --rejects
                                          (default <file>.rejected.jsonl) to fix and import again.`,
  run: async (ctx) => {
    const { values, io } = ctx;
    const config = ctx.config();
    const apiKey = io.env.OVERTURE_API_KEY;
    if (!values.app || !values.file) return ctx.usageError("users import needs --app <id> and --file <path>");
    // From the environment only: a key on the command line would show in process listings.
    if (!apiKey) return ctx.usageError("users import needs the app's API key in OVERTURE_API_KEY");
    const concurrency = Number(values.concurrency ?? 8);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      return ctx.usageError("--concurrency must be an integer from 1 to 64");
    if (!existsSync(values.file)) return ctx.failure(`No file ${values.file}.`);
    let counts: Awaited<ReturnType<typeof importUsers>>;
    try {
      counts = await importUsers({
        baseUrl: values.url ?? config.server.publicUrl,
        appId: values.app,
        apiKey,
        file: values.file,
        concurrency,
        restart: values.restart ?? false,
        rejects: values.rejects ?? `${values.file}.rejected.jsonl`,
        out: io.out,
        err: io.err,
        ...(io.progress && { progress: io.progress }),
      });
    } catch (error) {
      if (error instanceof ImportStopped) return ctx.failure(error.message);
      throw error;
    }
    io.out(
      `Created ${counts.created}, skipped ${counts.skipped} (external_id exists), failed ${counts.failed}. ${counts.seconds.toFixed(1)} s, ${counts.rate.toFixed(0)} lines/s.`,
    );
    return counts.interrupted ? 130 : counts.failed > 0 ? 1 : 0;
  },
};
