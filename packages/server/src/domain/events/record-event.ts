import type { EventPayloads, EventType } from "@overture/protocol";
import { newId } from "../shared/new-id.js";
import type { Repositories } from "../shared/store.js";
import type { OutboxEvent } from "./outbox-repository.js";

/**
 * Appends an event to the outbox through `tx`, the caller's transaction: the event exists if and
 * only if the change it describes was committed.
 */
export async function recordEvent<T extends EventType>(
  tx: Repositories,
  appId: string,
  type: T,
  payload: EventPayloads[T],
  now: number,
): Promise<void> {
  await tx.outbox.append(newEvent(appId, type, payload, now));
}

/** The outbox row of an event, for a repository that writes it with its change (sessions.start). */
export function newEvent<T extends EventType>(
  appId: string,
  type: T,
  payload: EventPayloads[T],
  now: number,
): OutboxEvent {
  return { id: newId("evt", now), appId, type, payload, createdAt: now };
}
