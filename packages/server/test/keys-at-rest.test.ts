import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/run-cli.js";
import { decryptSecret, encryptSecret } from "../src/keys/key-encryption.js";
import { loadMasterKey } from "../src/keys/master-key.js";

describe("keys at rest", () => {
  it("creates the master key once, readable by its owner only, and reuses it", () => {
    const dir = mkdtempSync(join(tmpdir(), "overture-mk-"));
    const first = loadMasterKey(undefined, dir);
    expect(first).toHaveLength(32);
    expect(statSync(join(dir, "master.key")).mode & 0o777).toBe(0o600);
    expect(loadMasterKey(undefined, dir).equals(first)).toBe(true);
    const configured = randomBytes(32);
    expect(loadMasterKey(configured.toString("base64url"), dir).equals(configured)).toBe(true);
  });

  it("refuses a malformed master key file", () => {
    const dir = mkdtempSync(join(tmpdir(), "overture-mk-"));
    writeFileSync(join(dir, "master.key"), "too-short\n");
    expect(() => loadMasterKey(undefined, dir)).toThrow(/32 bytes/);
  });

  it("binds each sealed secret to its key and its row", () => {
    const key = randomBytes(32);
    const sealed = encryptSecret(key, "-----BEGIN PRIVATE KEY-----", "sig_a");
    expect(decryptSecret(key, sealed, "sig_a")).toBe("-----BEGIN PRIVATE KEY-----");
    expect(() => decryptSecret(key, sealed, "sig_b")).toThrow();
    expect(() => decryptSecret(randomBytes(32), sealed, "sig_a")).toThrow();
    const [v, iv, body, tag] = sealed.split(".");
    const flipped = Buffer.from(body!, "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() =>
      decryptSecret(key, [v, iv, flipped.toString("base64url"), tag].join("."), "sig_a"),
    ).toThrow();
    expect(encryptSecret(key, "same", "c")).not.toBe(encryptSecret(key, "same", "c"));
  });

  it("the master key config value is never echoed in errors", async () => {
    const { loadConfig } = await import("../src/config/load-config.js");
    expect(() => loadConfig({ OVERTURE_MASTER_KEY: "secret-but-wrong" })).toThrow(/got a redacted value/);
    expect(() => loadConfig({ OVERTURE_MASTER_KEY: "secret-but-wrong" })).not.toThrow(/secret-but-wrong/);
  });

  it("overture keys rotate makes a new current key, switching algorithm on request", async () => {
    const dir = mkdtempSync(join(tmpdir(), "overture-rot-"));
    const out: string[] = [];
    const io = {
      out: (l: string) => out.push(l),
      err: (l: string) => out.push(l),
      env: { OVERTURE_DATA_DIR: dir },
    };
    expect(await runCli(["app", "create", "--name", "r", "--json"], io)).toBe(0);
    const appId = JSON.parse(out.pop()!).app_id as string;
    expect(await runCli(["keys", "rotate", "--app", appId, "--alg", "RS256", "--json"], io)).toBe(0);
    expect(JSON.parse(out.pop()!)).toMatchObject({
      app_id: appId,
      alg: "RS256",
      kid: expect.stringMatching(/^sig_/),
    });
    expect(await runCli(["keys", "rotate", "--app", appId, "--alg", "HS256"], io)).toBe(2);
    expect(await runCli(["keys", "rotate", "--app", "anosuchapp"], io)).toBe(1);
    expect(readFileSync(join(dir, "master.key"), "utf8").trim()).toHaveLength(43);
  });
});
