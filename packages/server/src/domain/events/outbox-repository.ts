import type { EventType } from "@overture/protocol";

export interface OutboxEvent {
  id: string;
  appId: string;
  type: EventType;
  payload: unknown;
  createdAt: number;
}

export interface OutboxRepository {
  append(event: OutboxEvent): Promise<void>;
  list(appId: string, options: { afterId?: string; limit: number }): Promise<OutboxEvent[]>;
}
