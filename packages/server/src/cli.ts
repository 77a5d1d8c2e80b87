import { describeStartupError } from "./cli/describe-startup-error.js";
import { runCli } from "./cli/run-cli.js";

// Entry point of the `overture` bin and of `npm start`.
const io = {
  out: (l: string) => console.log(l),
  err: (l: string) => console.error(l),
  env: process.env,
  ...(process.stderr.isTTY && {
    progress: { write: (text: string) => process.stderr.write(text), columns: process.stderr.columns ?? 80 },
  }),
};
runCli(process.argv.slice(2), io).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(describeStartupError(error, process.env));
    process.exitCode = error instanceof Error && error.name === "ConfigError" ? 2 : 1;
  },
);
