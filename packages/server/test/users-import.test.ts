import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "./support/free-port.js";
import { runCliProcess } from "./support/run-cli.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cliSource = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

describeEachDatabase("overture users import", (dialect) => {
  let s: TestServer;
  let url: string;
  let dir: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.app.listen({ port: 0, host: "127.0.0.1" });
    url = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), "overture-import-"));
  });
  afterAll(() => s.close());

  const env = () => ({ OVERTURE_API_KEY: s.apiKey, OVERTURE_DATA_DIR: dir });
  const importFile = (file: string, ...extra: string[]) =>
    runCliProcess(
      ["users", "import", "--app", s.appId, "--file", file, "--url", url, ...extra],
      env(),
      60_000,
    );
  /** Node's arguments for the CLI from source, importing `file` into the test app. */
  const importArgv = (file: string, ...extra: string[]) => [
    "--conditions=source",
    "--import",
    "tsx",
    cliSource,
    ...["users", "import", "--app", s.appId, "--file", file, "--url", url, ...extra],
  ];
  const count = async (prefix: string) =>
    (await s.store.users.list(s.appId, { limit: 10_000 })).filter((u) => u.externalId?.startsWith(prefix))
      .length;

  it("creates, skips existing external_ids, reports failures in line order with the offending value, keeps rejected lines, and goes on; a re-run skips", async () => {
    await s.mgmt("POST", "/users", { external_id: "imp-existing" });
    const lines = [
      ...Array.from({ length: 40 }, (_, i) =>
        JSON.stringify({
          external_id: `imp-${i}`,
          identifiers: [{ value: `imp${i}@example.com` }],
          profile: { n: i },
        }),
      ),
      "",
      JSON.stringify({ external_id: "imp-existing" }),
      // Answered by the server, after the next lines failed locally: still reported first.
      JSON.stringify({ external_id: "imp-bad-identifier", identifiers: [{ value: "not-an-identifier" }] }),
      "{not json",
      "[1, 2]",
      JSON.stringify({ identifiers: [{ value: "no-external-id@example.com" }] }),
      JSON.stringify({ external_id: "imp-long", identifiers: [{ value: `${"y".repeat(330)}@example.com` }] }),
      JSON.stringify({
        external_id: "imp-hashed",
        identifiers: [{ value: "hashed@example.com" }, { type: "oauth", value: "Google:777" }],
        password_hash: {
          algorithm: "bcrypt",
          hash: "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        },
      }),
    ];
    const file = join(dir, "mixed.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);

    const first = await importFile(file);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(
      /Created 41, skipped 1 \(external_id exists\), failed 5\. \d+\.\d s, \d+ lines\/s\./,
    );
    const reported = first.stderr.split("\n").filter((l) => /^line \d+: /.test(l));
    expect(reported).toEqual([
      expect.stringMatching(
        /^line 43: 400 invalid_identifier: .* \(external_id "imp-bad-identifier", identifiers \["not-an-identifier"\]\)$/,
      ),
      "line 44: not valid JSON",
      "line 45: not a JSON object",
      expect.stringMatching(/^line 46: external_id is required/),
      expect.stringMatching(
        /^line 47: 400 invalid_request: body\/identifiers\/0\/value .* \(external_id "imp-long", value "y{60,}\.\.\.\)$/,
      ),
    ]);
    // The rejected lines, as they were, in order: fix them and import that file.
    const rejects = `${file}.rejected.jsonl`;
    expect(readFileSync(rejects, "utf8")).toBe(`${[42, 43, 44, 45, 46].map((i) => lines[i]).join("\n")}\n`);
    expect(first.stderr).toContain(`5 rejected lines written to ${rejects}.`);
    expect(await count("imp-")).toBe(42);
    const [hashed] = await s.store.users.findByExternalIds(s.appId, ["imp-hashed"]);
    expect(hashed?.passwordHash).toMatch(/^\$2b\$05\$/);
    // An OAuth account comes along as an identifier, normalised like the API does it.
    expect(hashed?.identifiers).toContainEqual({ type: "oauth", value: "google:777" });
    expect(existsSync(`${file}.progress`)).toBe(false);

    const again = await importFile(file);
    expect(again.stdout).toContain("Created 0, skipped 42 (external_id exists), failed 5.");
    // A new run starts a new rejects file.
    expect(readFileSync(`${file}.rejected.jsonl`, "utf8").split("\n")).toHaveLength(6);
    expect(await count("imp-")).toBe(42);
  }, 60_000);

  it("saves its position when stopped and resumes from it", async () => {
    const file = join(dir, "many.jsonl");
    const total = 1500;
    writeFileSync(
      file,
      Array.from({ length: total }, (_, i) => JSON.stringify({ external_id: `many-${i}` })).join("\n"),
    );
    const child = spawn(process.execPath, importArgv(file, "--concurrency", "1"), {
      cwd: root,
      env: { ...process.env, ...env() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    // Stop it once it has created some users, well before the end.
    while ((await count("many-")) < 50) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(130);
    const saved = JSON.parse(readFileSync(`${file}.progress`, "utf8"));
    expect(saved.line).toBeGreaterThan(0);
    expect(saved.line).toBeLessThan(total);
    const firstCreated = Number(/Created (\d+)/.exec(stdout)?.[1]);
    expect(firstCreated).toBeGreaterThanOrEqual(50);

    const resumed = await importFile(file);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`Resuming after line ${saved.line}`);
    // The counts cover the whole import, across the stop. Lines before the saved position are not
    // sent again (they would come back as skipped); only a request in flight at the stop may be.
    const [, created, skipped] = /Created (\d+), skipped (\d+)/.exec(resumed.stdout)!.map(Number);
    expect(skipped).toBeLessThanOrEqual(1);
    expect(created! + skipped!).toBe(total);
    expect(await count("many-")).toBe(total);
    expect(existsSync(`${file}.progress`)).toBe(false);
  }, 90_000);

  it("draws a progress bar on a terminal", async () => {
    const file = join(dir, "tty.jsonl");
    writeFileSync(
      file,
      Array.from({ length: 30 }, (_, i) => JSON.stringify({ external_id: `tty-${i}` })).join("\n"),
    );
    const command = [process.execPath, ...importArgv(file)].map((a) => `'${a}'`).join(" ");
    // script(1) gives the command a pseudo-terminal, as an operator's shell would.
    const run = await new Promise<string>((resolve) => {
      const child = spawn("script", ["-qec", command, "/dev/null"], {
        cwd: root,
        env: { ...process.env, ...env() },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      child.on("close", () => resolve(out));
    });
    expect(run).toMatch(/\r\[#{10,}\] 100\.0% {2}created 30 {2}skipped 0 {2}failed 0 {2}\d+\/s {2}ETA \S+/);
    expect(run).toContain("Created 30, skipped 0 (external_id exists), failed 0.");
  }, 60_000);

  it("refuses to run without its key, app or file", async () => {
    const file = join(dir, "x.jsonl");
    writeFileSync(file, "");
    const noKey = await runCliProcess(["users", "import", "--app", s.appId, "--file", file, "--url", url], {
      OVERTURE_DATA_DIR: dir,
    });
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toContain("OVERTURE_API_KEY");
    const noFile = await importFile(join(dir, "missing.jsonl"));
    expect(noFile.code).not.toBe(0);
    const wrongKey = await runCliProcess(
      ["users", "import", "--app", s.appId, "--file", file, "--url", url],
      {
        OVERTURE_API_KEY: `ovk_${"x".repeat(43)}`,
        OVERTURE_DATA_DIR: dir,
      },
    );
    expect(wrongKey.code).toBe(0); // an empty file makes no request
    writeFileSync(file, JSON.stringify({ external_id: "never" }));
    const refused = await runCliProcess(["users", "import", "--app", s.appId, "--file", file, "--url", url], {
      OVERTURE_API_KEY: `ovk_${"x".repeat(43)}`,
      OVERTURE_DATA_DIR: dir,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^overture: the Management API answered 401 unauthorized: check the app id/m,
    );
    expect(refused.stderr).not.toContain("    at "); // a one-line error, no stack
  }, 60_000);

  it("stops when the server cannot be reached, keeping its position, instead of failing every line", async () => {
    const file = join(dir, "unreachable.jsonl");
    writeFileSync(
      file,
      `${Array.from({ length: 20 }, (_, i) => JSON.stringify({ external_id: `down-${i}` })).join("\n")}\n`,
    );
    const port = await freePort();
    const started = Date.now();
    const down = await runCliProcess(
      [
        "users",
        "import",
        "--app",
        s.appId,
        "--file",
        file,
        "--url",
        `http://127.0.0.1:${port}`,
        "--concurrency",
        "1",
      ],
      { OVERTURE_API_KEY: s.apiKey, OVERTURE_DATA_DIR: dir },
    );
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(
      `overture: the server at http://127.0.0.1:${port} could not be reached (ECONNREFUSED)`,
    );
    expect(down.stderr).toContain("Stopped after line 0; run the same command again to resume.");
    expect(down.stderr).not.toMatch(/line \d+: request failed/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(existsSync(`${file}.progress`)).toBe(true);
    // With the server back, the same command resumes and imports every line.
    const again = await importFile(file);
    expect(again.stdout).toContain("Created 20, skipped 0 (external_id exists), failed 0.");
    expect(existsSync(`${file}.progress`)).toBe(false);
  }, 60_000);
});
