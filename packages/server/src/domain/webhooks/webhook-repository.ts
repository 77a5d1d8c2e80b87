import type { WebhookEventName } from "@overture/protocol";

export interface WebhookRecord {
  /** `web_…` */
  id: string;
  appId: string;
  url: string;
  events: WebhookEventName[];
  /** The verification token, sealed with the config-secrets key (bound to the webhook id). */
  verificationTokenSealed: string;
  active: boolean;
  /** When the latest activation succeeded: events recorded before it are not sent. */
  activatedAt: number | null;
  lastHttpCode: number | null;
  lastHttpCodeAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface WebhookRepository {
  create(webhook: WebhookRecord): Promise<void>;
  /** The app's webhooks, oldest first. */
  list(appId: string): Promise<WebhookRecord[]>;
  get(appId: string, id: string): Promise<WebhookRecord | null>;
  /** The active webhooks of these apps. */
  listActive(appIds: string[]): Promise<WebhookRecord[]>;
  delete(appId: string, id: string): Promise<boolean>;
  /** False when there is no such webhook. */
  setEvents(appId: string, id: string, events: WebhookEventName[], now: number): Promise<boolean>;
  /** Activates (with the time it took effect) or deactivates; false when there is no such webhook. */
  setActive(appId: string, id: string, active: boolean, now: number): Promise<boolean>;
}
