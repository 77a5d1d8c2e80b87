import { checkOutboundUrl } from "../../../outbound/outbound-url.js";
import type { AppRecord } from "../../apps/app-repository.js";
import { recordEvent } from "../../events/record-event.js";
import { isoTime } from "../../shared/clock.js";
import type { DomainDeps } from "../../shared/domain-deps.js";
import { newId } from "../../shared/new-id.js";
import { openHeaders, openPassword } from "./otp-delivery.js";
import type { OtpConfigRecord } from "./otp-repository.js";
import type { OtpMessage } from "./otp-transports.js";

/** Why a send failed, for the app's event and the server log only: never for the caller. */
export type DeliveryFailure = { ok: false; reason: "delivery_failed"; detail: string };

/**
 * Delivers a code through the config's sender. `console` is for development: in `dev` mode the
 * message is kept for GET /dev/messages and the log line carries the code; in `prod` it refuses,
 * because a code in a log is a credential in a log. `http` POSTs JSON to the configured URL (an SMS
 * gateway of yours) under the migration hook's outbound rules. `smtp` sends an email (TLS required
 * unless configured otherwise, and always in `prod` mode). In `prod` neither reaches an internal
 * address, except SMTP relays the operator allowed (docs/otp.md). A failure is recorded as
 * `otp.delivery_failed`; its detail goes back for the server log, never into the answer, which an
 * anonymous caller reads (it would be a port and status oracle).
 */
export async function sendOtp(
  deps: DomainDeps,
  app: AppRecord,
  config: OtpConfigRecord,
  message: OtpMessage,
): Promise<{ ok: true } | DeliveryFailure> {
  const now = deps.clock.now();
  const failure = await deliver(deps, app, config, message, now);
  if (failure === null) return { ok: true };
  await deps.store.transaction((tx) =>
    recordEvent(
      tx,
      app.id,
      "otp.delivery_failed",
      { channel: config.channel, config_id: config.id, reason: failure, occurred_at: isoTime(now) },
      now,
    ),
  );
  return { ok: false, reason: "delivery_failed", detail: failure };
}

async function deliver(
  deps: DomainDeps,
  app: AppRecord,
  config: OtpConfigRecord,
  m: OtpMessage,
  now: number,
): Promise<string | null> {
  const { delivery } = config;
  const publicOnly = app.mode === "prod";
  switch (delivery.type) {
    case "console": {
      if (app.mode !== "dev") return "the console sender only works in dev mode";
      await deps.store.otp.addDevMessage({
        id: newId("msg", now),
        appId: app.id,
        channel: config.channel,
        ...m,
        createdAt: now,
      });
      // The console sender's purpose (docs/otp.md): a dev app's code where its developer looks.
      deps.log.info(
        { app_id: app.id, channel: config.channel, to: m.to, code: m.code },
        "OTP (console sender, dev mode)",
      );
      return null;
    }
    case "http": {
      // Checked again at send time: the app may have switched to prod since the URL was saved.
      const checked = checkOutboundUrl(delivery.url, app.mode, "delivery.url");
      if (!checked.ok) return checked.message;
      return deps.otpTransports.gateway(
        checked.url,
        openHeaders(deps.secrets.configSecrets, config.id, delivery.headersSealed),
        { app_id: app.id, channel: config.channel, to: m.to, code: m.code, body: m.body },
        { publicOnly },
      );
    }
    case "smtp": {
      // At send time too, so a later switch to prod cannot leak codes in clear.
      if (publicOnly && !delivery.secure && !delivery.requireTls)
        return "plaintext SMTP is refused in prod mode";
      return deps.otpTransports.mail(
        {
          host: delivery.host,
          port: delivery.port,
          secure: delivery.secure,
          requireTls: delivery.requireTls,
          username: delivery.username,
          password: openPassword(deps.secrets.configSecrets, config.id, delivery.passwordSealed),
          from: delivery.from,
        },
        m,
        { publicOnly },
      );
    }
  }
}
