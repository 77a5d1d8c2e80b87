import { randomBytes, scryptSync } from "node:crypto";
import { hash as bcryptHash } from "@node-rs/bcrypt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { provisionApp } from "../src/domain/apps/apps.js";
import { rowCounts } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const hex = (text: string) => Buffer.from(text).toString("hex");
const b64 = (text: string) => Buffer.from(text).toString("base64");
const hexToB64 = (value: string) => Buffer.from(value, "hex").toString("base64");

/** Published test vectors: each password with a hash another system would have stored for it. */
const VECTORS: [string, string, Record<string, unknown>][] = [
  [
    "argon2id (reference implementation's test vector)",
    "password",
    {
      algorithm: "argon2id",
      hash: "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    },
  ],
  [
    "argon2i (reference implementation's test vector)",
    "password",
    {
      algorithm: "argon2i",
      hash: "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
    },
  ],
  ...["2a", "2b", "2y"].map((v): [string, string, Record<string, unknown>] => [
    `bcrypt $${v}$ (OpenBSD test vector)`,
    "U*U",
    { algorithm: "bcrypt", hash: `$${v}$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW` },
  ]),
  [
    "scrypt, hex (RFC 7914 §12, N=1024)",
    "password",
    {
      algorithm: "scrypt",
      encoding: "hex",
      salt: hex("NaCl"),
      n: 1024,
      r: 8,
      p: 16,
      hash: "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
    },
  ],
  [
    "scrypt, base64 (RFC 7914 §12, N=16384)",
    "pleaseletmein",
    {
      algorithm: "scrypt",
      salt: b64("SodiumChloride"),
      n: 16384,
      r: 8,
      p: 1,
      hash: hexToB64(
        "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",
      ),
    },
  ],
  [
    "Firebase modified scrypt (the sample in Firebase's documentation)",
    "user1password",
    {
      algorithm: "firebase_scrypt",
      salt: "42xEC+ixf3L2lw==",
      salt_separator: "Bw==",
      signer_key: "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
      rounds: 8,
      mem_cost: 14,
      hash: "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
    },
  ],
  [
    "PBKDF2-SHA256 (RFC 7914 §11, c=1)",
    "passwd",
    {
      algorithm: "pbkdf2_sha256",
      encoding: "hex",
      salt: hex("salt"),
      iterations: 1,
      hash: "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
    },
  ],
  [
    "PBKDF2-SHA256 (RFC 7914 §11, c=80000)",
    "Password",
    {
      algorithm: "pbkdf2_sha256",
      salt: b64("NaCl"),
      iterations: 80_000,
      hash: hexToB64(
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d",
      ),
    },
  ],
  [
    "PBKDF2-SHA512 (c=1)",
    "password",
    {
      algorithm: "pbkdf2_sha512",
      encoding: "hex",
      salt: hex("salt"),
      iterations: 1,
      hash: "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce",
    },
  ],
  [
    'salted SHA-256, salt first (FIPS 180-2 "abc" vector)',
    "bc",
    {
      algorithm: "sha256_salted",
      encoding: "hex",
      salt: hex("a"),
      salt_position: "prefix",
      hash: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    },
  ],
  [
    'salted SHA-256, salt last (FIPS 180-2 "abc" vector)',
    "ab",
    {
      algorithm: "sha256_salted",
      salt: b64("c"),
      salt_position: "suffix",
      hash: hexToB64("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    },
  ],
];

describeEachDatabase("password-hash import", (dialect) => {
  let s: TestServer;
  let host: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost`;
    // A strict policy: imported hashes are not held to it.
    await s.mgmt("POST", "/config/login/password", {
      password_compliancy: {
        min_length: 12,
        max_length: 0,
        uppercase: 1,
        lowercase: 1,
        numbers: 1,
        symbols: 1,
      },
    });
  });
  afterAll(() => s.close());

  const login = (email: string, password: string) =>
    s.inject({
      method: "POST",
      url: "/v1/session/login/email/password",
      headers: { host, "content-type": "application/json" },
      payload: JSON.stringify({ identifier: email, password }),
    });

  VECTORS.forEach(([label, password, passwordHash], i) => {
    it(`${label}: signs in with the password, then is re-hashed with argon2id`, async () => {
      const email = `import${i}@example.com`;
      const created = await s.mgmt("POST", "/users", {
        external_id: `imported-${i}`,
        identifiers: [{ value: email }],
        password_hash: passwordHash,
      });
      expect(created.status).toBe(201);
      const imported = (await s.store.users.get(s.appId, created.body.id))?.passwordHash;
      expect(imported).not.toMatch(/^\$argon2id\$v=19\$m=19456/);

      expect((await login(email, `${password}x`)).status).toBe(401);
      expect((await s.store.users.get(s.appId, created.body.id))?.passwordHash).toBe(imported);
      const first = await login(email, password);
      expect(first.status).toBe(200);
      expect(first.body.challenge_token).toEqual(expect.any(String));

      const rehashed = (await s.store.users.get(s.appId, created.body.id))?.passwordHash;
      expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect((await login(email, password)).status).toBe(200);
      expect((await login(email, `${password}x`)).status).toBe(401);
      expect((await s.store.users.get(s.appId, created.body.id))?.passwordHash).toBe(rehashed);
    });
  });

  it("keeps Firebase's signer key sealed at rest, never in clear", async () => {
    const firebase = VECTORS.find(([label]) => label.startsWith("Firebase"))![2];
    const created = await s.mgmt("POST", "/users", {
      identifiers: [{ value: "sealed-firebase@example.com" }],
      password_hash: firebase,
    });
    expect(created.status).toBe(201);
    const stored = (await s.store.users.get(s.appId, created.body.id))?.passwordHash ?? "";
    const signer = String(firebase.signer_key);
    expect(stored).not.toContain(signer.slice(0, 16));
    expect(stored).not.toContain(Buffer.from(signer, "base64").toString("hex").slice(0, 16));
    expect(JSON.parse(stored.slice(stored.indexOf("{")))).toMatchObject({
      signerKeySealed: expect.stringMatching(/^v1\./),
    });
    expect((await login("sealed-firebase@example.com", "user1password")).status).toBe(200);
  });

  it("rejects malformed, unknown and too costly hashes with invalid_request, writing nothing", async () => {
    const ok = { algorithm: "pbkdf2_sha256", salt: b64("salt"), iterations: 1000, hash: b64("x".repeat(32)) };
    const bad: Record<string, unknown>[] = [
      { ...ok, algorithm: "md5" },
      { algorithm: "bcrypt", hash: "$2a$05$short" },
      { algorithm: "bcrypt", hash: "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" },
      { algorithm: "bcrypt", hash: "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" },
      {
        algorithm: "argon2id",
        hash: "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
      },
      {
        algorithm: "argon2id",
        hash: "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      },
      { algorithm: "scrypt", salt: b64("s"), hash: b64("x".repeat(32)), r: 8, p: 1 },
      { algorithm: "scrypt", salt: b64("s"), hash: b64("x".repeat(32)), n: 1000, r: 8, p: 1 },
      { algorithm: "scrypt", salt: b64("s"), hash: b64("x".repeat(32)), n: 1_048_576, r: 8, p: 1 },
      { algorithm: "firebase_scrypt", salt: b64("s"), hash: b64("x".repeat(32)), rounds: 8, mem_cost: 14 },
      { ...ok, iterations: undefined },
      { ...ok, iterations: 3_000_000 },
      { ...ok, salt: undefined },
      { ...ok, salt: "not base64!" },
      { ...ok, hash: b64("short") },
      { ...ok, encoding: "hex", hash: "zz" },
      { algorithm: "sha256_salted", salt: b64("s"), hash: b64("x".repeat(20)) },
      { ...ok, unknown_field: 1 },
    ];
    const before = await rowCounts(s);
    for (const passwordHash of bad) {
      const res = await s.mgmt("POST", "/users", {
        identifiers: [{ value: "bad@example.com" }],
        password_hash: passwordHash,
      });
      expect(res.status, JSON.stringify(passwordHash)).toBe(400);
      expect(res.body.code).toBe("invalid_request");
    }
    const both = await s.mgmt("POST", "/users", { password: "Str0ng!Passw0rd", password_hash: ok });
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/not both/);
    expect(await rowCounts(s)).toEqual(before);
  });

  it("prices every parameter of a hash, key length included, and refuses what costs over the budget", async () => {
    const argon2 = (m: number, t: number) =>
      `$argon2id$v=19$m=${m},t=${t},p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc`;
    const bcrypt = (cost: number) => `$2b$${cost}$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW`;
    const scrypt = (p: number) => ({
      algorithm: "scrypt",
      salt: b64("s"),
      hash: b64("x".repeat(32)),
      n: 16384,
      r: 8,
      p,
    });
    const pbkdf2 = (keyBytes: number) => ({
      algorithm: "pbkdf2_sha256",
      salt: b64("salt"),
      iterations: 1_000_000,
      hash: b64("x".repeat(keyBytes)),
    });
    const firebase = (memCost: number) => ({
      algorithm: "firebase_scrypt",
      salt: b64("s"),
      salt_separator: "Bw==",
      signer_key: b64("k".repeat(32)),
      rounds: 8,
      mem_cost: memCost,
      hash: b64("x".repeat(32)),
    });
    // Each pair: within the budget, then the same with one parameter raised past it.
    const pairs: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
      ["scrypt p", scrypt(1), scrypt(8), "ms of CPU"],
      ["PBKDF2 key length", pbkdf2(32), pbkdf2(64), "ms of CPU"],
      [
        "argon2 passes",
        { algorithm: "argon2id", hash: argon2(65536, 2) },
        { algorithm: "argon2id", hash: argon2(65536, 20) },
        "ms of CPU",
      ],
      [
        "argon2 memory",
        { algorithm: "argon2id", hash: argon2(65536, 1) },
        { algorithm: "argon2id", hash: argon2(131072, 1) },
        "MiB",
      ],
      [
        "bcrypt cost",
        { algorithm: "bcrypt", hash: bcrypt(12) },
        { algorithm: "bcrypt", hash: bcrypt(13) },
        "ms of CPU",
      ],
      ["Firebase mem_cost", firebase(14), firebase(17), "MiB"],
    ];
    for (const [what, within, over, unit] of pairs) {
      const ok = await s.mgmt("POST", "/users", { password_hash: within });
      expect(ok.status, `${what}: within`).toBe(201);
      const before = await rowCounts(s);
      const refused = await s.mgmt("POST", "/users", { password_hash: over });
      expect(refused.status, `${what}: over`).toBe(400);
      expect(refused.body).toMatchObject({ code: "invalid_request", message: expect.stringContaining(unit) });
      expect(refused.body.message).toMatch(/^password_hash: /);
      expect(await rowCounts(s)).toEqual(before);
    }
  });

  it("never runs a stored hash over the budget, even one imported before the budget existed", async () => {
    const created = await s.mgmt("POST", "/users", { identifiers: [{ value: "costly@example.com" }] });
    // bcrypt at cost 13 costs about 400 ms here; an older release accepted up to cost 16.
    const costly = await bcryptHash("a legacy password", { cost: 13 });
    await s.db.database.db
      .updateTable("users")
      .set({ password_hash: costly })
      .where("id", "=", created.body.id)
      .execute();
    const res = await login("costly@example.com", "a legacy password");
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("unauthorized");
  });

  it("gives each app its own share of the hashing slots for imported hashes", async () => {
    // scrypt N=2^15, p=2: about 200 ms a login, within the budget.
    const salt = randomBytes(16);
    const key = scryptSync("legacy pw", salt, 32, { N: 32768, r: 8, p: 2, maxmem: 64 * 2 ** 20 });
    const imported = {
      algorithm: "scrypt",
      salt: salt.toString("base64"),
      hash: key.toString("base64"),
      n: 32768,
      r: 8,
      p: 2,
    };
    const emails = Array.from({ length: 5 }, (_, i) => `flood${i}@example.com`);
    for (const email of emails)
      expect(
        (await s.mgmt("POST", "/users", { identifiers: [{ value: email }], password_hash: imported })).status,
      ).toBe(201);

    const other = await provisionApp(s.domain, "other tenant");
    const otherMgmt = (path: string, body: unknown) =>
      s.inject({
        method: "POST",
        url: `/v2/session/apps/${other.app.id}${path}`,
        headers: { authorization: `Bearer ${other.apiKey.secret}`, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });
    await otherMgmt("/config/login/password", {});
    await otherMgmt("/users", {
      identifiers: [{ value: "calm@example.com" }],
      password: "an ordinary password",
    });
    const loginAt = (appHost: string, email: string, password: string) =>
      s.inject({
        method: "POST",
        url: "/v1/session/login/email/password",
        headers: { host: appHost, "content-type": "application/json" },
        payload: JSON.stringify({ identifier: email, password }),
      });

    const finished: string[] = [];
    const flood = emails.map((email, i) =>
      // Wrong passwords: each costs a full verification, and no re-hash follows to queue as well.
      loginAt(host, email, "not the legacy pw").then((r) => {
        finished.push(`flood${i}`);
        return r;
      }),
    );
    await new Promise((r) => setTimeout(r, 50)); // the flood is queued first
    const calm = await loginAt(`${other.app.id}.localhost`, "calm@example.com", "an ordinary password");
    finished.push("calm");
    expect(calm.status).toBe(200);
    expect((await Promise.all(flood)).map((r) => r.status)).toEqual(emails.map(() => 401));
    // The other app's login did not wait behind the flood's queue: it took the slot the flood's app
    // may not use, and finished before the flood's first verification did.
    expect(finished.indexOf("calm"), finished.join(" ")).toBe(0);
  });

  it("answers 429 once an app's queue of imported-hash logins is full", async () => {
    const salt = randomBytes(16);
    const key = scryptSync("queued pw", salt, 32, { N: 16384, r: 8, p: 1 });
    const imported = {
      algorithm: "scrypt",
      salt: salt.toString("base64"),
      hash: key.toString("base64"),
      n: 16384,
      r: 8,
      p: 1,
    };
    const emails = Array.from({ length: 45 }, (_, i) => `queued${i}@example.com`);
    await Promise.all(
      emails.map((email) =>
        s.mgmt("POST", "/users", { identifiers: [{ value: email }], password_hash: imported }),
      ),
    );
    const answers = await Promise.all(emails.map((email) => login(email, "queued pw")));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((code) => code === 429).length).toBeGreaterThan(0);
    expect(statuses.every((code) => code === 200 || code === 429)).toBe(true);
    // The queue's own answer: a full queue clears within a second. (Under load some logins can
    // also meet the per-IP password limit, a 429 with a longer Retry-After: not what this shows.)
    const busy = answers.find((r) => r.status === 429 && r.headers["retry-after"] === "1");
    expect(busy, JSON.stringify(answers.map((r) => [r.status, r.headers["retry-after"]]))).toBeDefined();
    expect(busy?.body.code).toBe("rate_limited");
    expect(answers.filter((r) => r.status === 429).every((r) => r.body.code === "rate_limited")).toBe(true);
  });
});
