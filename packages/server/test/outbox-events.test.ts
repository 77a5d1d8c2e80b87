import { afterAll, beforeAll, expect, it } from "vitest";
import { recordEvent } from "../src/domain/events/record-event.js";
import { rowCounts } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("outbox events", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s.close());

  /** Events recorded after the last call of this function, oldest first. */
  let cursor: string | undefined;
  const newEvents = async () => {
    const events = await s.store.outbox.list(s.appId, { ...(cursor && { afterId: cursor }), limit: 1000 });
    cursor = events.at(-1)?.id ?? cursor;
    return events;
  };
  const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  it("records each user mutation with a stable envelope and the documented payload", async () => {
    await newEvents();
    const created = await s.mgmt("POST", "/users", {
      external_id: "evt-1",
      identifiers: [{ value: "evt@example.com" }],
      profile: { first_name: "Eve" },
    });
    const id = created.body.id;
    await s.mgmt("PATCH", `/users/${id}/profile`, { last_name: "Tee" });
    await s.mgmt("PATCH", `/users/${id}/profile`, { last_name: "Tee" }); // no change, no event
    await s.mgmt("POST", `/users/${id}/identifiers`, { identifier: { value: "+33612345670" } });
    await s.mgmt("DELETE", `/users/${id}/identifiers`, { identifier: { value: "evt@example.com" } });
    await s.mgmt("PUT", `/users/${id}/external_id`, { external_id: "evt-1b" });
    await s.mgmt("PUT", `/users/${id}/status`, { status: "disabled" });
    await s.mgmt("PUT", `/users/${id}/password`, { password: "another fine secret" });
    await s.mgmt("DELETE", `/users/${id}`);

    const events = await newEvents();
    expect(events.map((e) => e.type)).toEqual([
      "user.created",
      "user.profile.updated",
      "user.identifier.created",
      "user.identifier.deleted",
      "user.external_id.updated",
      "user.updated",
      "user.status.updated",
      "user.updated",
      "user.password.updated",
      "user.updated",
      "user.deleted",
    ]);
    for (const e of events) {
      expect(e.id).toMatch(/^evt_[0-9a-z]{26}$/);
      expect(e.appId).toBe(s.appId);
      expect(typeof e.createdAt).toBe("number");
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const [c, p, ic, id_, ext, extU, st, stU, pw, pwU, del] = events.map((e) => e.payload);
    // user.updated: what changed, and the state after it (never the password).
    const state = { user_id: id, scopes: [], groups: [], updated_at: iso };
    expect(extU).toEqual({ ...state, changed: ["external_id"], status: "active", external_id: "evt-1b" });
    expect(stU).toEqual({ ...state, changed: ["status"], status: "disabled", external_id: "evt-1b" });
    expect(pwU).toEqual({ ...state, changed: ["password"], status: "disabled", external_id: "evt-1b" });
    expect(JSON.stringify(pwU)).not.toContain("fine secret");
    expect(c).toEqual({
      user_id: id,
      external_id: "evt-1",
      identifiers: [{ type: "email_address", value: "evt@example.com" }],
      profile: { first_name: "Eve" },
      source: "api",
      created_at: iso,
    });
    expect(p).toEqual({ user_id: id, profile: { first_name: "Eve", last_name: "Tee" }, updated_at: iso });
    expect(ic).toEqual({
      user_id: id,
      identifier: { type: "phone_number", value: "+33612345670" },
      created_at: iso,
    });
    expect(id_).toEqual({
      user_id: id,
      identifier: { type: "email_address", value: "evt@example.com" },
      deleted_at: iso,
    });
    expect(ext).toEqual({
      user_id: id,
      external_id: "evt-1b",
      previous_external_id: "evt-1",
      updated_at: iso,
    });
    expect(st).toEqual({ user_id: id, status: "disabled", previous_status: "active", updated_at: iso });
    expect(pw).toEqual({ user_id: id, updated_at: iso });
    expect(JSON.stringify(pw)).not.toContain("fine secret");
    expect(del).toEqual({ user_id: id, external_id: "evt-1b", deleted_at: iso });
  });

  it("records nothing for a create that fails part-way (second identifier taken)", async () => {
    await s.mgmt("POST", "/users", { identifiers: [{ value: "taken@example.com" }] });
    await newEvents();
    const before = await rowCounts(s);
    const res = await s.mgmt("POST", "/users", {
      external_id: "half-written",
      identifiers: [{ value: "fresh@example.com" }, { value: "taken@example.com" }],
    });
    expect(res.status).toBe(409);
    // The user row and its first identifier were written inside the transaction, then rolled back.
    expect(await rowCounts(s)).toEqual(before);
    expect(await newEvents()).toEqual([]);
    expect((await s.mgmt("GET", "/users?external_id=half-written")).body.users).toEqual([]);
  });

  it("keeps no event when the transaction that recorded it fails", async () => {
    await newEvents();
    const failure = new Error("boom after the event was written");
    await expect(
      s.store.transaction(async (tx) => {
        await recordEvent(
          tx,
          s.appId,
          "user.password.updated",
          { user_id: "usr_x", updated_at: "x" },
          Date.now(),
        );
        expect(
          (await tx.outbox.list(s.appId, { limit: 1000 })).some(
            (e) => e.payload && (e.payload as { user_id: string }).user_id === "usr_x",
          ),
        ).toBe(true);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await newEvents()).toEqual([]);
  });

  it("records nothing for rejected requests", async () => {
    await newEvents();
    const rejected = [
      await s.mgmt("POST", "/users", { external_id: 5 }),
      await s.mgmt("PATCH", "/users/usr_01jqebhswje1ka1z7ahr9rfsgt/profile", { a: 1 }),
      await s.mgmt("DELETE", "/users/usr_01jqebhswje1ka1z7ahr9rfsgt"),
    ];
    expect(rejected.map((r) => `${r.status} ${r.body.code}`)).toEqual([
      "400 invalid_request",
      "404 user_not_found",
      "404 user_not_found",
    ]);
    expect(await newEvents()).toEqual([]);
  });
});
