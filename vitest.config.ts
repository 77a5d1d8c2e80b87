import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources, never a stale dist/ build.
    alias: {
      "@overture/protocol": src("protocol"),
      "@overture/sdk": src("sdk"),
      "@overture/server": src("server"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/**/*.test.ts"],
    globalSetup: ["packages/server/test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
