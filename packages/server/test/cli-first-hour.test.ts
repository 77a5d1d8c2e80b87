import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeStartupError } from "../src/cli/describe-startup-error.js";
import { runCli } from "../src/cli/run-cli.js";
import { runCliProcess, startServeProcess } from "./support/run-cli.js";
import {
  createTestDatabase,
  describeEachDatabase,
  postgresUrl,
  type TestDatabase,
} from "./support/test-databases.js";

/**
 * What a new user meets in their first hour (docs/operations.md, "The first hour"): the banner's
 * URLs work once there are several apps, a shared database gets no app with a printed key unless
 * asked, prod apps served insecurely are warned about, the CLI explains itself, and start-up
 * failures are one readable line.
 */
function io(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env } };
}

/** GET `path` on 127.0.0.1:`port` with the Host header a browser at `host` sends. */
function getWithHost(port: number, host: string, path: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: "127.0.0.1", port, path, headers: { host: `${host}:${port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    })
      .on("error", reject)
      .end();
  });
}

const portOf = (banner: string) => Number(new URL(/listening on (\S+)/.exec(banner)?.[1] as string).port);

describe("serve with several apps", () => {
  const dir = mkdtempSync(join(tmpdir(), "overture-apps-"));
  const env = { OVERTURE_DATA_DIR: dir, OVERTURE_PORT: "0" };

  it("prints each app's working Frontend URL, warns that plain hosts serve none, and serves the default app when named", async () => {
    const first = startServeProcess(env);
    const banner1 = await first.ready;
    const devId = /App ID:\s+(\S+)/.exec(banner1)?.[1] as string;
    expect(banner1).toContain(`(also http://${devId}.localhost:${portOf(banner1)}/v1/session)`);
    expect(banner1).toContain("HTTPS:           off");
    expect(await getWithHost(portOf(banner1), "localhost", "/.well-known/jwks.json")).toBe(200);
    expect(await first.stop()).toBe(0);

    const made = await runCliProcess(["app", "create", "--name", "second", "--json"], env);
    expect(made.code).toBe(0);
    const second = JSON.parse(made.stdout) as { app_id: string; api_key: string };
    expect(made.stderr).toContain("note: 2 apps now, and no OVERTURE_DEFAULT_APP");
    expect(made.stderr).toContain(`http://${second.app_id}.localhost:`);

    const again = startServeProcess(env);
    const banner2 = await again.ready;
    const port = portOf(banner2);
    for (const id of [devId, second.app_id]) {
      expect(banner2).toContain(`http://${id}.localhost:${port}/v1/session`);
      // The URLs printed are the ones that work.
      expect(await getWithHost(port, `${id}.localhost`, "/.well-known/jwks.json")).toBe(200);
    }
    expect(banner2).toContain("warning: with 2 apps and no OVERTURE_DEFAULT_APP");
    expect(banner2).not.toMatch(/Frontend API:\s+http:\/\/127/);
    expect(await getWithHost(port, "localhost", "/.well-known/jwks.json")).toBe(404);
    expect(await again.stop()).toBe(0);

    const named = startServeProcess({ ...env, OVERTURE_DEFAULT_APP: second.app_id });
    const banner3 = await named.ready;
    expect(banner3).toContain(`Default app:     ${second.app_id} (OVERTURE_DEFAULT_APP)`);
    expect(banner3).not.toContain("warning:");
    expect(await getWithHost(portOf(banner3), "localhost", "/.well-known/jwks.json")).toBe(200);

    // A prod app on plain HTTP at {appId}.localhost: both are logged as warnings at the next start.
    const management = `http://127.0.0.1:${portOf(banner3)}/v2/session/apps/${second.app_id}`;
    const mode = await fetch(`${management}/mode`, {
      method: "PUT",
      headers: { authorization: `Bearer ${second.api_key}`, "content-type": "application/json" },
      body: JSON.stringify({ mode: "prod" }),
    });
    expect(mode.status).toBe(204);
    expect(await named.stop()).toBe(0);
    const prod = startServeProcess(env);
    await prod.ready;
    const warnings = prod
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level === 40)
      .map((l) => l.msg);
    expect(warnings).toEqual([
      expect.stringContaining(
        `app ${second.app_id} is in prod mode but the server is served over plain HTTP`,
      ),
      expect.stringContaining(
        `app ${second.app_id} is in prod mode but OVERTURE_BASE_DOMAIN is still localhost`,
      ),
    ]);
    expect(await prod.stop()).toBe(0);
  }, 90_000);

  it("dev-cert names every app's host, so a Node TLS client accepts {appId}.localhost", async () => {
    const apps = io(env);
    expect(await runCli(["app", "list", "--json"], apps.io)).toBe(0);
    const ids = (JSON.parse(apps.out.join("")) as { app_id: string }[]).map((a) => a.app_id);
    expect(ids).toHaveLength(2);
    const made = io(env);
    expect(await runCli(["dev-cert"], made.io)).toBe(0);
    const cert = join(dir, "dev-cert.pem");
    const x509 = new X509Certificate(readFileSync(cert));
    for (const id of ids) expect(x509.subjectAltName).toContain(`DNS:${id}.localhost`);
    expect(made.out.join("\n")).toContain(`${ids[0]}.localhost`);

    const server = startServeProcess({
      ...env,
      OVERTURE_TLS_CERT: cert,
      OVERTURE_TLS_KEY: join(dir, "dev-key.pem"),
      OVERTURE_DEFAULT_APP: ids[0] as string,
    });
    const port = portOf(await server.ready);
    try {
      for (const id of ids) {
        // Node's TLS client refuses `*.localhost` (no wildcard right under a top-level name): the
        // named host is what makes this pass.
        const status = await new Promise<number | undefined>((resolve, reject) => {
          httpsRequest(
            {
              host: "127.0.0.1",
              port,
              servername: `${id}.localhost`,
              path: "/.well-known/jwks.json",
              headers: { host: `${id}.localhost:${port}` },
              ca: readFileSync(cert),
            },
            (res) => {
              res.resume();
              resolve(res.statusCode);
            },
          )
            .on("error", reject)
            .end();
        });
        expect(status).toBe(200);
      }
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describeEachDatabase("serve and the dev app", (dialect) => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });
  const serveOn = async (args: string[]) => {
    const db = await createTestDatabase(dialect, { migrate: false });
    dbs.push(db);
    const server = startServeProcess(
      {
        OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-devapp-")),
        OVERTURE_DATABASE_URL: db.url,
        OVERTURE_PORT: "0",
      },
      { args },
    );
    try {
      return await server.ready;
    } finally {
      await server.stop();
    }
  };

  it(dialect === "sqlite"
    ? "the embedded database gets a dev app and its key on first start"
    : "PostgreSQL gets no dev app and no key unless serve is given --create-dev-app", async () => {
    const plain = await serveOn([]);
    if (dialect === "sqlite") {
      expect(plain).toMatch(/API key:\s+ovk_/);
    } else {
      expect(plain).not.toContain("ovk_");
      expect(plain).toContain("No app yet. Create one with: npx overture app create --name <name>");
      expect(plain).toContain("--create-dev-app");
    }
    const asked = await serveOn(["--create-dev-app"]);
    expect(asked).toMatch(/App ID:\s+a[0-9a-z]{9}\s+\(created now\)/);
    expect(asked).toMatch(/API key:\s+ovk_/);
  }, 60_000);
});

describe("the CLI explains itself", () => {
  // Not created yet: the first commands must not create it.
  const dir = join(mkdtempSync(join(tmpdir(), "overture-cli-words-")), "data");
  const env = { OVERTURE_DATA_DIR: dir };

  it("lists a group's subcommands, describes one command, and names the database it opened", async () => {
    const group = io(env);
    expect(await runCli(["app"], group.io)).toBe(2);
    expect(group.err.join("\n")).toMatch(/app create --name <name>[\s\S]*app list/);
    const help = io(env);
    expect(await runCli(["app", "list", "--help"], help.io)).toBe(0);
    expect(help.out.join("\n")).toMatch(/^Usage: overture app list \[--json\]\s+List applications\.$/);
    expect(existsSync(dir)).toBe(false);

    const created = io(env);
    expect(await runCli(["app", "create", "--name", "words", "--json"], created.io)).toBe(0);
    expect(created.err).toContain(`overture: database sqlite:${join(dir, "overture.db")}`);
  });

  it("has one noun per kind of key: key (API keys) and signing-key, the old `keys rotate` still working", async () => {
    const created = io(env);
    expect(await runCli(["app", "create", "--name", "keys", "--json"], created.io)).toBe(0);
    const appId = JSON.parse(created.out.join("")).app_id as string;
    const rotated = io(env);
    expect(await runCli(["signing-key", "rotate", "--app", appId, "--json"], rotated.io)).toBe(0);
    const kid = JSON.parse(rotated.out.join("")).kid as string;
    const old = io(env);
    expect(await runCli(["keys", "rotate", "--app", appId], old.io)).toBe(0);
    expect(old.err).toContain(
      "overture: `keys rotate` is now `signing-key rotate`; the old name still works.",
    );
    const listed = io(env);
    expect(await runCli(["signing-key", "list", "--app", appId, "--json"], listed.io)).toBe(0);
    const keys = JSON.parse(listed.out.join("")) as { kid: string; retired_at: string | null }[];
    expect(keys).toHaveLength(3);
    expect(keys.filter((k) => k.retired_at === null)).toHaveLength(1);
    expect(keys.find((k) => k.kid === kid)?.retired_at).toEqual(expect.any(String));
    expect(JSON.stringify(keys)).not.toMatch(/"d"|sealed|private/i);
    const ambiguous = io(env);
    expect(await runCli(["keys", "list"], ambiguous.io)).toBe(2);
    expect(ambiguous.err.join("\n")).toMatch(/key list --app[\s\S]*signing-key list --app/);
  });

  it("answers an unknown command in one line, creating no data directory", async () => {
    const fresh = join(tmpdir(), `overture-never-${process.pid}-${Date.now()}`);
    const run = await runCliProcess(["frobnicate"], { OVERTURE_DATA_DIR: fresh });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      "overture: unknown command: frobnicate. Run `overture --help` for the commands.",
    );
    expect(existsSync(fresh)).toBe(false);
  });
});

describe("start-up failures are one line", () => {
  const oneLine = (stderr: string) => {
    const lines = stderr.trim().split("\n");
    expect(lines, stderr).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
    return lines[0] as string;
  };

  it("a port in use", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const run = await runCliProcess(["serve"], {
        OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-busy-")),
        OVERTURE_HOST: "127.0.0.1",
        OVERTURE_PORT: String(port),
      });
      expect(run.code).toBe(1);
      expect(oneLine(run.stderr)).toBe(
        `overture: cannot listen on 127.0.0.1:${port}: the port is already in use (another server?). Set OVERTURE_PORT to a free port.`,
      );
    } finally {
      blocker.close();
    }
  });

  it("a TLS file that is not there", async () => {
    const run = await runCliProcess(["serve"], {
      OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-tlsfile-")),
      OVERTURE_PORT: "0",
      OVERTURE_TLS_CERT: "/nonexistent/cert.pem",
      OVERTURE_TLS_KEY: "/nonexistent/key.pem",
    });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toBe(
      "overture: invalid configuration: OVERTURE_TLS_CERT: cannot be read (ENOENT: /nonexistent/cert.pem)",
    );
  });

  it.skipIf(!postgresUrl())(
    "a PostgreSQL database that does not exist, and a refused connection",
    async () => {
      const missing = new URL(postgresUrl() as string);
      missing.pathname = "/overture_no_such_database";
      const run = await runCliProcess(["app", "list"], { OVERTURE_DATABASE_URL: missing.toString() });
      expect(run.code).toBe(1);
      expect(oneLine(run.stderr)).toBe(
        'overture: database "overture_no_such_database" does not exist (OVERTURE_DATABASE_URL): create it first, e.g. `createdb <name>`.',
      );
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const { port } = closed.address() as { port: number };
      await new Promise((resolve) => closed.close(resolve));
      const refused = await runCliProcess(["app", "list"], {
        OVERTURE_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test`,
      });
      expect(oneLine(refused.stderr)).toBe(
        `overture: cannot connect to 127.0.0.1:${port} (OVERTURE_DATABASE_URL): connection refused. Is PostgreSQL running there?`,
      );
    },
  );

  it("a host name that does not resolve names the setting it came from", () => {
    // Built as Node's resolver reports it: a test resolving a real name would leave 127.0.0.1.
    const notFound = Object.assign(new Error("getaddrinfo ENOTFOUND db.internal.example"), {
      code: "ENOTFOUND",
      syscall: "getaddrinfo",
      hostname: "db.internal.example",
    });
    expect(
      describeStartupError(notFound, { OVERTURE_DATABASE_URL: "postgres://u@db.internal.example/x" }),
    ).toBe(
      "overture: cannot resolve the host name db.internal.example (OVERTURE_DATABASE_URL): check the name, or your DNS.",
    );
    expect(describeStartupError({ ...notFound, hostname: "auth.box" }, { OVERTURE_HOST: "auth.box" })).toBe(
      "overture: cannot resolve the host name auth.box (OVERTURE_HOST): check the name, or your DNS.",
    );
    // A bug keeps its stack.
    expect(describeStartupError(new RangeError("boom"))).toMatch(/^overture: RangeError: boom\n\s+at /);
  });
});
