import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderConfigDoc } from "../../docs/render-config-doc.js";
import { renderErrorsDoc } from "../../docs/render-errors-doc.js";
import { renderOpenApi } from "../../docs/render-openapi.js";
import type { CliCommand } from "../cli-command.js";

export const docs: CliCommand = {
  name: "docs",
  usage:
    "docs [--out-dir <dir>]                  Write openapi.json, errors.md and config.md (default: docs).",
  run: async (ctx) => {
    const dir = ctx.values["out-dir"] ?? "docs";
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "openapi.json"), await renderOpenApi());
    writeFileSync(join(dir, "errors.md"), renderErrorsDoc());
    writeFileSync(join(dir, "config.md"), renderConfigDoc());
    ctx.io.out(`Wrote ${dir}/openapi.json, ${dir}/errors.md and ${dir}/config.md.`);
    return 0;
  },
};
