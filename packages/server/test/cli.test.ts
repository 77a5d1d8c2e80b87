import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/run-cli.js";
import { freePort } from "./support/free-port.js";
import { runCliProcess, startServeProcess } from "./support/run-cli.js";

function io(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env } };
}

describe("overture CLI", () => {
  it("creates and lists apps and keys, and revoked keys stop working", async () => {
    const env = {
      OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-cli-")),
      OVERTURE_LOG_LEVEL: "silent",
    };
    const create = io(env);
    expect(await runCli(["app", "create", "--name", "shop", "--json"], create.io)).toBe(0);
    const created = JSON.parse(create.out.join(""));
    expect(created).toMatchObject({ app_id: expect.any(String), name: "shop", mode: "dev" });
    expect(created.api_key).toMatch(/^ovk_/);

    const list = io(env);
    expect(await runCli(["app", "list", "--json"], list.io)).toBe(0);
    expect(JSON.parse(list.out.join("")).map((a: { app_id: string }) => a.app_id)).toContain(created.app_id);

    const key = io(env);
    expect(await runCli(["key", "create", "--app", created.app_id, "--json"], key.io)).toBe(0);
    const second = JSON.parse(key.out.join(""));
    expect(second.api_key).not.toBe(created.api_key);

    const keys = io(env);
    expect(await runCli(["key", "list", "--app", created.app_id, "--json"], keys.io)).toBe(0);
    const listed = JSON.parse(keys.out.join(""));
    expect(listed).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain(second.api_key);

    const revoke = io(env);
    expect(await runCli(["key", "revoke", "--app", created.app_id, "--key", second.key_id], revoke.io)).toBe(
      0,
    );
    const again = io(env);
    expect(await runCli(["key", "revoke", "--app", created.app_id, "--key", second.key_id], again.io)).toBe(
      1,
    );

    const human = io(env);
    expect(await runCli(["app", "create", "--name", "plain"], human.io)).toBe(0);
    expect(human.out.join("\n")).toMatch(
      /Created app a[0-9a-z]{9} \(plain, mode dev\)\.\nAPI key \(shown once\): ovk_/,
    );
  });

  // Linux only: the threads are counted in /proc. Same binary, so all other threads are the same.
  it.skipIf(!existsSync("/proc/self/task"))(
    "the overture command gives libuv's pool one thread per core the event loop leaves free, unless UV_THREADPOOL_SIZE says otherwise",
    async () => {
      const threads = async (size: string | undefined) => {
        const server = startServeProcess(
          {
            OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-pool-")),
            OVERTURE_PORT: "0",
            UV_THREADPOOL_SIZE: size,
          },
          { viaBin: true },
        );
        try {
          await server.ready;
          return readdirSync(`/proc/${server.pid}/task`).length;
        } finally {
          await server.stop();
        }
      };
      const expected = Math.max(1, availableParallelism() - 1);
      const byDefault = await threads(undefined);
      expect(byDefault).toBe(await threads(String(expected)));
      expect((await threads(String(expected + 3))) - byDefault).toBe(3);
    },
    60_000,
  );

  it("explains usage errors with exit code 2", async () => {
    const env = { OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-cli-")) };
    const missing = io(env);
    expect(await runCli(["app", "create"], missing.io)).toBe(2);
    expect(missing.err.join("\n")).toContain("app create needs --name");
    const unknown = io(env);
    expect(await runCli(["frobnicate"], unknown.io)).toBe(2);
    const noApp = io(env);
    expect(await runCli(["key", "create", "--app", "anosuchapp"], noApp.io)).toBe(1);
  });

  it("prints its version, and warns of OVERTURE_ variables that name no option", async () => {
    const { VERSION } = await import("../src/version.js");
    for (const flag of ["--version", "-v", "version"]) {
      const v = io({});
      expect(await runCli([flag], v.io)).toBe(0);
      expect(v.out).toEqual([`overture ${VERSION}`]);
    }
    const typo = io({
      OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-cli-")),
      OVERTURE_PROT: "4000",
    });
    expect(await runCli(["app", "list", "--json"], typo.io)).toBe(0);
    expect(typo.err).toEqual([
      "overture: warning: OVERTURE_PROT is not a known option (docs/config.md); it is ignored",
      expect.stringMatching(/^overture: database sqlite:/),
    ]);
  });

  it("refuses to serve with an OVERTURE_DEFAULT_APP that names no app", async () => {
    const run = await runCliProcess(["serve"], {
      OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-cli-")),
      OVERTURE_PORT: "0",
      OVERTURE_DEFAULT_APP: "anosuchapp",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "overture: invalid configuration: OVERTURE_DEFAULT_APP: names no app (anosuchapp); see `overture app list`",
    );
  });

  it("stops with the exact key when the configuration is invalid", async () => {
    const run = await runCliProcess(["db", "migrate"], { OVERTURE_PORT: "http" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'overture: invalid configuration: OVERTURE_PORT: must be an integer from 0 to 65535 (got "http")',
    );
  });

  it("serve: first start creates the dev app and prints its key once; the key creates and finds a user", async () => {
    const env = { OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-serve-")), OVERTURE_PORT: "0" };
    const first = startServeProcess(env);
    const banner = await first.ready;
    const appId = /App ID:\s+(\S+)/.exec(banner)?.[1];
    const apiKey = /API key:\s+(ovk_\S+)/.exec(banner)?.[1];
    const management = /Management API:\s+(\S+)/.exec(banner)?.[1];
    expect(banner).toContain("Applied migrations: 0001_foundation");
    expect(banner).toMatch(/Frontend API:\s+http:\/\/127\.0\.0\.1:\d+\/v1\/session/);
    expect(appId).toMatch(/^a[0-9a-z]{9}$/);
    expect(management).toBe(`${/listening on (\S+)/.exec(banner)?.[1]}/v2/session/apps/${appId}`);
    const consoleUrl = /Admin console:\s+(\S+)/.exec(banner)?.[1];
    expect(consoleUrl).toBe(`${/listening on (\S+)/.exec(banner)?.[1]}/console/`);
    expect((await fetch(consoleUrl!)).status).toBe(200);

    const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
    const created = await fetch(`${management}/users`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        external_id: "legacy-42",
        identifiers: [{ type: "email_address", value: "ada@example.com" }],
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const found = await fetch(`${management}/users?external_id=legacy-42`, { headers });
    expect(((await found.json()) as { users: { id: string }[] }).users.map((u) => u.id)).toEqual([id]);
    expect(await first.stop()).toBe(0);

    const second = startServeProcess(env);
    const banner2 = await second.ready;
    expect(/App ID:\s+(\S+)/.exec(banner2)?.[1]).toBe(appId);
    expect(banner2).not.toContain("ovk_");
    expect(banner2).not.toContain("Applied migrations");
    const management2 = /Management API:\s+(\S+)/.exec(banner2)?.[1];
    const still = await fetch(`${management2}/users/${id}`, { headers });
    expect(still.status).toBe(200);
    expect(await second.stop()).toBe(0);
  });
});

describe("workers", () => {
  it("OVERTURE_WORKERS=2 prints one banner, serves requests from both workers, aggregates their metrics, and stops cleanly", async () => {
    const metricsPort = await freePort();
    const env = {
      OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-workers-")),
      OVERTURE_PORT: "0",
      OVERTURE_WORKERS: "2",
      OVERTURE_METRICS_PORT: String(metricsPort),
    };
    const server = startServeProcess(env);
    const banner = await server.ready;
    expect(banner).toContain("Workers:         2");
    const management = /Management API:\s+(\S+)/.exec(banner)?.[1];
    const apiKey = /API key:\s+(ovk_\S+)/.exec(banner)?.[1];
    const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
    // Concurrent writes from both processes to one SQLite file: all succeed, none duplicates.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${management}/users`, {
          method: "POST",
          headers,
          body: JSON.stringify({ external_id: `w-${i % 20}` }),
          keepalive: false,
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((x) => x === 201)).toHaveLength(20);
    expect(statuses.filter((x) => x === 409)).toHaveLength(20);
    expect(server.output().match(/Overture \S+ listening/g)).toHaveLength(1);
    // One scrape shows both workers: the 40 creates are all counted, whichever process took them.
    // A worker counts a request just after answering it, so the last ones may take a moment.
    const counted = async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return [
        ...metrics.matchAll(
          /^overture_http_requests_total\{[^}]*route="\/v2\/session\/apps\/:appID\/users",status="(\d+)"\} (\d+)$/gm,
        ),
      ].reduce((sum, m) => sum + Number(m[2]), 0);
    };
    let total = await counted();
    for (let i = 0; i < 50 && total < 40; i++) {
      await new Promise((r) => setTimeout(r, 100));
      total = await counted();
    }
    expect(total).toBe(40);
    expect(await server.stop()).toBe(0);
  });
});

describe("HTTPS", () => {
  it("dev-cert writes a localhost certificate that serve uses for HTTPS", async () => {
    const dir = mkdtempSync(join(tmpdir(), "overture-tls-"));
    const out: string[] = [];
    const cliIo = {
      out: (l: string) => out.push(l),
      err: (l: string) => out.push(l),
      env: { OVERTURE_DATA_DIR: dir },
    };
    expect(await runCli(["dev-cert"], cliIo)).toBe(0);
    const cert = join(dir, "dev-cert.pem");
    const key = join(dir, "dev-key.pem");
    expect(out.join("\n")).toContain(`OVERTURE_TLS_CERT=${cert}`);
    const { X509Certificate } = await import("node:crypto");
    const x509 = new X509Certificate(readFileSync(cert));
    expect(x509.subjectAltName).toContain("DNS:*.localhost");
    expect(x509.subjectAltName).toContain("IP Address:127.0.0.1");

    const server = startServeProcess({
      OVERTURE_DATA_DIR: dir,
      OVERTURE_PORT: "0",
      OVERTURE_TLS_CERT: cert,
      OVERTURE_TLS_KEY: key,
    });
    const banner = await server.ready;
    const base = /listening on (\S+)/.exec(banner)?.[1] ?? "";
    expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { request } = await import("node:https");
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(`${base}/healthz`, { ca: readFileSync(cert) }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it("refuses half a TLS configuration", async () => {
    const run = await runCliProcess(["db", "migrate"], { OVERTURE_TLS_CERT: "/tmp/cert.pem" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("OVERTURE_TLS_KEY: is required");
  });
});
