// No schema library here: the admin console imports this list (package subpath `./webhook-events`)
// without pulling TypeBox into its bundle.

/**
 * The events a webhook can subscribe to (docs/webhooks.md): the seven of prelude-api.md §3.4, the
 * two hook failures, `user.updated`, which the migration guide's step 5 subscribes to, and a
 * user's passkeys added and removed.
 */
export const WEBHOOK_EVENTS = [
  "user.created",
  "user.deleted",
  "user.profile.updated",
  "user.identifier.created",
  "user.identifier.deleted",
  "user.updated",
  "user.session.created",
  "user.session.revoked",
  "user.passkey.created",
  "user.passkey.deleted",
  "user.passkey.clone_detected",
  "migration.hook_failed",
  "step_up.hook_failed",
] as const;
