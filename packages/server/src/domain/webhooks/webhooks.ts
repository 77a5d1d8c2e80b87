import { randomInt } from "node:crypto";
import {
  type CreateWebhookRequest,
  WEBHOOK_EVENTS,
  WEBHOOK_LIMITS,
  type WebhookEventName,
} from "@overture/protocol";
import { decryptSecret, encryptSecret } from "../../keys/key-encryption.js";
import { checkOutboundUrl } from "../../outbound/outbound-url.js";
import type { AppRecord } from "../apps/app-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { newId } from "../shared/new-id.js";
import type { Failure } from "../shared/outcome.js";
import type { WebhookRecord } from "./webhook-repository.js";

type Found = { ok: true; webhook: WebhookRecord } | Failure<"webhook_not_found">;
const notFound = { ok: false, reason: "webhook_not_found" } as const;

/** Events in the catalogue's order, each once: how a webhook's list is stored and shown. */
const inCatalogueOrder = (events: Iterable<WebhookEventName>) => {
  const set = new Set(events);
  return WEBHOOK_EVENTS.filter((e) => set.has(e));
};

/**
 * Registers a webhook, inactive until its activation handshake succeeds (docs/webhooks.md). The
 * URL follows the outbound rules (https; loopback http in dev); the verification token is sealed,
 * bound to the webhook's id, and never returned.
 */
export async function createWebhook(
  deps: DomainDeps,
  app: AppRecord,
  input: CreateWebhookRequest,
): Promise<{ ok: true; webhook: WebhookRecord } | Failure<"invalid_input">> {
  const url = checkOutboundUrl(input.url, app.mode, "url");
  if (!url.ok) return { ok: false, reason: "invalid_input", message: url.message };
  const now = deps.clock.now();
  const id = newId("web", now);
  const webhook: WebhookRecord = {
    id,
    appId: app.id,
    url: url.url.href,
    events: inCatalogueOrder(input.events),
    verificationTokenSealed: encryptSecret(deps.secrets.configSecrets, input.verification_token, id),
    active: false,
    activatedAt: null,
    lastHttpCode: null,
    lastHttpCodeAt: null,
    createdAt: now,
    updatedAt: now,
  };
  // Counted under the app's row lock, so concurrent creates cannot pass the limit together.
  return deps.store.transaction(async (tx, rollback) => {
    await tx.apps.lockRow(app.id);
    if ((await tx.webhooks.list(app.id)).length >= WEBHOOK_LIMITS.perAppMax)
      return rollback({
        ok: false,
        reason: "invalid_input",
        message: `An app has at most ${WEBHOOK_LIMITS.perAppMax} webhooks.`,
      });
    await tx.webhooks.create(webhook);
    return { ok: true, webhook };
  });
}

export function listWebhooks(deps: Pick<DomainDeps, "store">, appId: string): Promise<WebhookRecord[]> {
  return deps.store.webhooks.list(appId);
}

export async function getWebhook(deps: Pick<DomainDeps, "store">, appId: string, id: string): Promise<Found> {
  const webhook = await deps.store.webhooks.get(appId, id);
  return webhook ? { ok: true, webhook } : notFound;
}

export async function deleteWebhook(
  deps: Pick<DomainDeps, "store">,
  appId: string,
  id: string,
): Promise<Found> {
  const found = await getWebhook(deps, appId, id);
  if (!found.ok) return found;
  return (await deps.store.webhooks.delete(appId, id)) ? found : notFound;
}

/** Subscribes to one more event (already subscribed: unchanged). */
export function addWebhookEvent(deps: DomainDeps, appId: string, id: string, event: WebhookEventName) {
  return changeEvents(deps, appId, id, (events) => inCatalogueOrder([...events, event]));
}

/**
 * Unsubscribes from one event (not subscribed: unchanged). The last one cannot go: a webhook with
 * no events is deleted instead.
 */
export async function removeWebhookEvent(
  deps: DomainDeps,
  appId: string,
  id: string,
  event: WebhookEventName,
): Promise<Found | Failure<"invalid_input">> {
  const found = await getWebhook(deps, appId, id);
  if (!found.ok) return found;
  const events = found.webhook.events.filter((e) => e !== event);
  if (events.length === 0)
    return {
      ok: false,
      reason: "invalid_input",
      message: "A webhook receives at least one event; delete the webhook instead.",
    };
  return changeEvents(deps, appId, id, () => events);
}

async function changeEvents(
  deps: DomainDeps,
  appId: string,
  id: string,
  change: (events: WebhookEventName[]) => WebhookEventName[],
): Promise<Found> {
  const found = await getWebhook(deps, appId, id);
  if (!found.ok) return found;
  const events = change(found.webhook.events);
  if (events.join() === found.webhook.events.join()) return found;
  if (!(await deps.store.webhooks.setEvents(appId, id, events, deps.clock.now()))) return notFound;
  return getWebhook(deps, appId, id);
}

export async function deactivateWebhook(deps: DomainDeps, appId: string, id: string): Promise<Found> {
  if (!(await deps.store.webhooks.setActive(appId, id, false, deps.clock.now()))) return notFound;
  return getWebhook(deps, appId, id);
}

/**
 * The activation handshake (prelude-api.md §8.2): a GET carrying the verification token and a
 * random integer, which a 200 JSON answer must echo as `challenge`. Anything else leaves the
 * webhook as it was and says why. Activating an active webhook runs the handshake again.
 */
export async function activateWebhook(
  deps: DomainDeps,
  app: AppRecord,
  id: string,
): Promise<Found | Failure<"activation_failed">> {
  const found = await getWebhook(deps, app.id, id);
  if (!found.ok) return found;
  const { webhook } = found;
  const challenge = randomInt(1, 2 ** 47);
  const reply = await deps.webhookActivator.challenge(app, webhook.url, {
    verificationToken: decryptSecret(deps.secrets.configSecrets, webhook.verificationTokenSealed, webhook.id),
    challenge,
  });
  const failed = (message: string) => ({ ok: false, reason: "activation_failed", message }) as const;
  if (!reply.ok)
    return failed(
      reply.failure === "timeout"
        ? "The endpoint did not answer the activation challenge within 10 s."
        : reply.failure === "too_large"
          ? "The endpoint's answer to the activation challenge was over 64 KiB."
          : `The endpoint could not be reached (${reply.failure === "refused" ? "address refused" : "connection failed"}).`,
    );
  if (reply.status !== 200)
    return failed(`The endpoint answered the activation challenge with HTTP ${reply.status}, not 200.`);
  const echoed = (reply.body as { challenge?: unknown } | null)?.challenge;
  if (echoed !== challenge && echoed !== String(challenge))
    return failed(
      'The endpoint\'s answer did not echo the challenge: reply {"challenge": <the same integer>}.',
    );
  if (!(await deps.store.webhooks.setActive(app.id, id, true, deps.clock.now()))) return notFound;
  return getWebhook(deps, app.id, id);
}
