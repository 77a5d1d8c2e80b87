import type { UserUpdatedField } from "@overture/protocol";
import { recordEvent } from "../events/record-event.js";
import { isoTime } from "../shared/clock.js";
import type { Repositories } from "../shared/store.js";
import type { UserRecord } from "./user-repository.js";

/**
 * `user.updated` (docs/events.md): what changed, and the user's status, external_id, scopes and
 * groups as they are after the change — the state a consumer mirrors, never a diff to replay.
 */
export async function recordUserUpdated(
  tx: Repositories,
  appId: string,
  user: Pick<UserRecord, "id" | "status" | "externalId" | "scopes" | "groups">,
  changed: UserUpdatedField[],
  now: number,
) {
  await recordEvent(
    tx,
    appId,
    "user.updated",
    {
      user_id: user.id,
      changed,
      status: user.status,
      external_id: user.externalId,
      scopes: user.scopes,
      groups: user.groups,
      updated_at: isoTime(now),
    },
    now,
  );
}
