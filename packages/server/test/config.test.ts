import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/load-config.js";
import { openRuntime } from "../src/runtime.js";

describe("configuration", () => {
  it("has production defaults, in sections, with absent options as null", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      server: {
        port: 4000,
        host: "127.0.0.1",
        logLevel: "info",
        publicUrl: "http://localhost:4000",
        bodyLimit: 65_536,
        trustProxy: false,
        tls: null,
        workers: 1,
      },
      frontend: { baseDomain: "localhost", defaultApp: null, dnsServers: [] },
      storage: {
        dataDir: ".overture",
        databaseUrl: join(".overture", "overture.db"),
        poolSize: 10,
        sqliteCacheMib: 8,
        sqliteMmapMib: 256,
      },
      keys: { masterKey: null },
      login: { smtpAllowedInternalHosts: [] },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it("reads environment variables, deriving dependent defaults", () => {
    const config = loadConfig({
      OVERTURE_PORT: "8080",
      OVERTURE_HOST: "0.0.0.0",
      OVERTURE_DATA_DIR: "/var/lib/overture",
      OVERTURE_LOG_LEVEL: "debug",
      OVERTURE_TRUST_PROXY: "1",
      OVERTURE_DEFAULT_APP: "adefault01",
      OVERTURE_TLS_CERT: "/etc/overture/cert.pem",
      OVERTURE_TLS_KEY: "/etc/overture/key.pem",
    });
    expect(config).toMatchObject({
      server: {
        port: 8080,
        host: "0.0.0.0",
        publicUrl: "https://localhost:8080",
        logLevel: "debug",
        trustProxy: 1,
        tls: { cert: "/etc/overture/cert.pem", key: "/etc/overture/key.pem" },
      },
      frontend: { defaultApp: "adefault01" },
      storage: { databaseUrl: "/var/lib/overture/overture.db" },
    });
    expect(
      loadConfig({ OVERTURE_TRUST_PROXY: "10.0.0.0/8, 192.168.1.7,loopback" }).server.trustProxy,
    ).toEqual(["10.0.0.0/8", "192.168.1.7", "loopback"]);
    expect(loadConfig({ OVERTURE_TRUST_PROXY: "false" }).server.trustProxy).toBe(false);
    expect(
      loadConfig({ OVERTURE_SMTP_ALLOWED_INTERNAL_HOSTS: "relay.internal, 10.0.0.0/8" }).login
        .smtpAllowedInternalHosts,
    ).toEqual(["relay.internal", "10.0.0.0/8"]);
    expect(loadConfig({ OVERTURE_DATABASE_URL: "postgres://u:p@db:5432/overture" }).storage.databaseUrl).toBe(
      "postgres://u:p@db:5432/overture",
    );
    expect(
      loadConfig({ OVERTURE_PUBLIC_URL: "https://auth.example.com/ignored/path" }).server.publicUrl,
    ).toBe("https://auth.example.com");
  });

  for (const [env, value, reason] of [
    ["OVERTURE_PORT", "http", "must be an integer from 0 to 65535"],
    ["OVERTURE_PORT", "70000", "must be an integer from 0 to 65535"],
    ["OVERTURE_PORT", "40.5", "must be an integer from 0 to 65535"],
    ["OVERTURE_LOG_LEVEL", "loud", "must be one of"],
    ["OVERTURE_DATABASE_URL", "mysql://x/y", "must be a postgres:// URL, a sqlite: URL or a file path"],
    ["OVERTURE_PUBLIC_URL", "ftp://x", "must be an http(s) URL"],
    ["OVERTURE_BODY_LIMIT", "10", "must be an integer from 1024"],
    ["OVERTURE_TRUST_PROXY", "yes", "must be false, a hop count, or proxy addresses"],
    ["OVERTURE_TRUST_PROXY", "true", "true would trust every hop"],
    ["OVERTURE_TRUST_PROXY", "17", "a hop count must be from 1 to 16"],
    ["OVERTURE_TRUST_PROXY", "10.0.0.0/33", "must be false, a hop count, or proxy addresses"],
    ["OVERTURE_SMTP_ALLOWED_INTERNAL_HOSTS", "bad host!", "must be host names, IP addresses or CIDR blocks"],
    ["OVERTURE_SQLITE_CACHE_MIB", "0", "must be an integer from 1 to 65536"],
    ["OVERTURE_SQLITE_MMAP_MIB", "-1", "must be an integer from 0 to 1048576"],
  ] as const) {
    it(`stops on ${env}=${value} naming the key and the reason`, () => {
      let caught: unknown;
      try {
        loadConfig({ [env]: value });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).key).toBe(env);
      expect((caught as ConfigError).message).toContain(`${env}: ${reason}`);
      expect((caught as ConfigError).message).toContain(JSON.stringify(value));
    });
  }

  it("sets SQLite's page cache and memory map on the connection, by default and as configured", async () => {
    const pragmas = async (env: Record<string, string>) => {
      const runtime = await openRuntime(
        loadConfig({ OVERTURE_DATA_DIR: mkdtempSync(join(tmpdir(), "overture-config-")), ...env }),
      );
      try {
        const cache = await sql<{ cache_size: number }>`pragma cache_size`.execute(runtime.database.db);
        const mmap = await sql<{ mmap_size: number }>`pragma mmap_size`.execute(runtime.database.db);
        return { cache: cache.rows[0]?.cache_size, mmap: mmap.rows[0]?.mmap_size };
      } finally {
        await runtime.database.close();
      }
    };
    // A negative cache_size is KiB.
    expect(await pragmas({})).toEqual({ cache: -8 * 1024, mmap: 256 * 1024 * 1024 });
    expect(await pragmas({ OVERTURE_SQLITE_CACHE_MIB: "3", OVERTURE_SQLITE_MMAP_MIB: "0" })).toEqual({
      cache: -3 * 1024,
      mmap: 0,
    });
  });

  it("creates the data directory 0700 and the database and master key files 0600", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "overture-modes-")), "data", "nested");
    const runtime = await openRuntime(loadConfig({ OVERTURE_DATA_DIR: dataDir }));
    try {
      await runtime.domain.store.apps.list();
      const mode = (file: string) => (statSync(join(dataDir, file)).mode & 0o777).toString(8);
      expect(mode(".")).toBe("700");
      expect(mode("..")).toBe("700");
      for (const file of ["overture.db", "overture.db-wal", "overture.db-shm", "master.key"])
        expect(mode(file), file).toBe("600");
    } finally {
      await runtime.database.close();
    }
  });

  it("reads a JSON config file, with the environment taking precedence", () => {
    const dir = mkdtempSync(join(tmpdir(), "overture-config-"));
    const file = join(dir, "overture.json");
    writeFileSync(file, JSON.stringify({ port: 5000, host: "0.0.0.0", log_level: "warn" }));
    const config = loadConfig({ OVERTURE_CONFIG: file, OVERTURE_PORT: "6000" });
    expect(config.server).toMatchObject({ port: 6000, host: "0.0.0.0", logLevel: "warn" });
  });

  it("refuses unknown keys, bad values and unreadable files in the config file", () => {
    const dir = mkdtempSync(join(tmpdir(), "overture-config-"));
    const unknown = join(dir, "unknown.json");
    writeFileSync(unknown, JSON.stringify({ prot: 5000 }));
    expect(() => loadConfig({ OVERTURE_CONFIG: unknown })).toThrow(/prot: is not a known option/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ port: "many" }));
    expect(() => loadConfig({ OVERTURE_CONFIG: bad })).toThrow(`${bad}: port: must be an integer`);
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{");
    expect(() => loadConfig({ OVERTURE_CONFIG: broken })).toThrow(/is not a JSON object/);
    expect(() => loadConfig({ OVERTURE_CONFIG: join(dir, "missing.json") })).toThrow(/cannot read/);
  });
});
