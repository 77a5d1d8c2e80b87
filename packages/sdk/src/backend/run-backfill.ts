import type { CreateUserRequest } from "@overture/protocol";
import type { ManagementClient } from "../management-client.js";
import { isApiError } from "../overture-api-error.js";

export interface BackfillOptions<Row, Legacy, Cursor> {
  client: ManagementClient;
  /**
   * One page of your own user table after `cursor` (null: from the start), with keyset pagination
   * (for example ordered by created_at, id), and the cursor after it; null when there is no more.
   */
  fetchPage: (cursor: Cursor | null) => Promise<{ rows: Row[]; next: Cursor | null }>;
  /** Your user's internal id: the external_id on Overture. */
  externalIdOf: (row: Row) => string;
  /** The legacy provider's accounts for these rows, fetched in chunks of `legacyChunkSize`. */
  fetchLegacy: (rows: Row[]) => Promise<Map<string, Legacy>>;
  /** The create-user body for a row and its legacy account; null to leave the row out. */
  toUser: (row: Row, legacy: Legacy | undefined) => CreateUserRequest | null;
  legacyChunkSize?: number;
  /** Where a previous run stopped (the `cursor` it reported). */
  startAfter?: Cursor | null;
  /** After each page: persist `cursor` to resume from it. */
  onPage?: (progress: BackfillCounts & { cursor: Cursor | null }) => void | Promise<void>;
  onError?: (externalId: string, error: unknown) => void;
}

export interface BackfillCounts {
  created: number;
  skipped: number;
  failed: number;
}

/**
 * Backfills dormant users (seed 002 step 3): walks your table page by page, fetches the legacy
 * accounts in chunks, checks idempotency first (one batch lookup per chunk: users on Overture
 * already are skipped), and creates the rest. External_id or identifier already taken count as
 * skipped: that is the race with a concurrent lazy migration. Other failures are counted and
 * reported, and the job goes on. Returns the counts and the cursor of the last finished page.
 */
export async function runBackfill<Row, Legacy, Cursor>(
  o: BackfillOptions<Row, Legacy, Cursor>,
): Promise<BackfillCounts & { cursor: Cursor | null }> {
  const counts: BackfillCounts = { created: 0, skipped: 0, failed: 0 };
  const chunkSize = Math.min(o.legacyChunkSize ?? 100, 100);
  let cursor: Cursor | null = o.startAfter ?? null;
  for (;;) {
    const page = await o.fetchPage(cursor);
    for (let i = 0; i < page.rows.length; i += chunkSize) {
      const chunk = page.rows.slice(i, i + chunkSize);
      const ids = chunk.map(o.externalIdOf);
      const existing = new Set(
        (await o.client.users.batchLookup({ external_ids: ids })).map((u) => u.external_id),
      );
      const todo = chunk.filter((row) => !existing.has(o.externalIdOf(row)));
      counts.skipped += chunk.length - todo.length;
      const legacy = todo.length > 0 ? await o.fetchLegacy(todo) : new Map<string, Legacy>();
      for (const row of todo) {
        const externalId = o.externalIdOf(row);
        const body = o.toUser(row, legacy.get(externalId));
        if (!body) {
          counts.skipped++;
          continue;
        }
        try {
          await o.client.users.create({ ...body, external_id: externalId });
          counts.created++;
        } catch (error) {
          if (isApiError(error, "external_id_already_exists", "identifier_already_exists")) counts.skipped++;
          else {
            counts.failed++;
            o.onError?.(externalId, error);
          }
        }
      }
    }
    cursor = page.next;
    await o.onPage?.({ ...counts, cursor });
    if (page.next === null) return { ...counts, cursor };
  }
}
