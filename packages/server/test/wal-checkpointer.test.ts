import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/storage/open-database.js";
import { WAL_CHECKPOINT_INTERVAL_MS } from "../src/storage/wal-checkpointer.js";

/**
 * SQLite's WAL is checkpointed by a thread of its own, not by a commit on the event loop
 * (docs/storage.md): writes keep coming, and the WAL stays as short as one interval's writes,
 * because each checkpoint lets the next writer start the WAL over. Without that thread, commits
 * below SQLite's own threshold only ever append.
 */
describe("SQLite WAL checkpoints", () => {
  const walGrowth = async (walCheckpointer: boolean) => {
    const file = join(mkdtempSync(join(tmpdir(), "overture-wal-")), "wal.db");
    const database = openDatabase({ dialect: "sqlite", file }, { walCheckpointer });
    try {
      await sql`create table filler (id integer primary key, body text not null)`.execute(database.db);
      const sizes: number[] = [];
      for (let round = 0; round < 8; round++) {
        // About 130 pages per round, in one transaction.
        await database.db.transaction().execute(async (tx) => {
          for (let i = 0; i < 500; i++)
            await sql`insert into filler (body) values (${"x".repeat(1000)})`.execute(tx);
        });
        sizes.push(statSync(`${file}-wal`).size);
        await new Promise((r) => setTimeout(r, WAL_CHECKPOINT_INTERVAL_MS * 2.5));
      }
      return { first: sizes[0] as number, last: sizes.at(-1) as number };
    } finally {
      await database.close();
    }
  };

  it("keeps the WAL to a round's writes while writes go on", async () => {
    const { first, last } = await walGrowth(true);
    expect(last).toBeLessThanOrEqual(first * 2);
  }, 30_000);

  it("(the same writes with SQLite's own checkpoints only: the WAL grows with every round)", async () => {
    const { first, last } = await walGrowth(false);
    expect(last).toBeGreaterThan(first * 6);
  }, 30_000);
});
