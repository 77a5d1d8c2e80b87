import { createTransport } from "nodemailer";
import type { AppRecord, OtpConfigRecord } from "../storage/repositories.js";
import { isoTime } from "./clock.js";
import type { DomainDeps } from "./domain-deps.js";
import { newId } from "./new-id.js";
import { openHeaders, openPassword } from "./otp-delivery.js";
import { recordEvent } from "./record-event.js";

export interface OtpMessage {
  to: string;
  code: string;
  body: string;
}

const HTTP_SEND_TIMEOUT_MS = 5_000;

/**
 * Delivers a code through the config's sender. `console` is for development: in `dev` mode the
 * message is kept for GET /dev/messages and the log line carries the code; in `prod` it refuses,
 * because a code in a log is a credential in a log. `http` POSTs JSON to the configured URL (an SMS
 * gateway of yours). `smtp` sends an email (TLS required unless configured otherwise, and always
 * in `prod` mode). A failure is recorded as `otp.delivery_failed` and reported to the caller.
 */
export async function sendOtp(
  deps: DomainDeps,
  app: AppRecord,
  config: OtpConfigRecord,
  message: OtpMessage,
): Promise<{ ok: true } | { ok: false; reason: "delivery_failed"; message: string }> {
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
  return { ok: false, reason: "delivery_failed", message: `The code could not be sent (${failure}).` };
}

async function deliver(
  deps: DomainDeps,
  app: AppRecord,
  config: OtpConfigRecord,
  m: OtpMessage,
  now: number,
): Promise<string | null> {
  const { delivery } = config;
  if (delivery.type === "console") {
    if (app.mode !== "dev") return "the console sender only works in dev mode";
    await deps.store.otp.addDevMessage({
      id: newId("msg", now),
      appId: app.id,
      channel: config.channel,
      ...m,
      createdAt: now,
    });
    deps.log?.info({ channel: config.channel, to: m.to, code: m.code }, "OTP (console sender, dev mode)");
    return null;
  }
  if (delivery.type === "smtp") return sendEmail(deps, app, config, delivery, m);
  try {
    const response = await fetch(delivery.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...openHeaders(deps.secrets.configSecrets, config.id, delivery.headersSealed),
      },
      body: JSON.stringify({ app_id: app.id, channel: config.channel, to: m.to, code: m.code, body: m.body }),
      redirect: "manual",
      signal: AbortSignal.timeout(HTTP_SEND_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? null : `the sender answered HTTP ${response.status}`;
  } catch (error) {
    return `the sender could not be reached: ${(error as Error).name}`;
  }
}

async function sendEmail(
  deps: DomainDeps,
  app: AppRecord,
  config: OtpConfigRecord,
  smtp: Extract<OtpConfigRecord["delivery"], { type: "smtp" }>,
  m: OtpMessage,
): Promise<string | null> {
  if (app.mode === "prod" && !smtp.secure && !smtp.requireTls)
    return "plaintext SMTP is refused in prod mode";
  const password = openPassword(deps.secrets.configSecrets, config.id, smtp.passwordSealed);
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTls,
    ignoreTLS: !smtp.secure && !smtp.requireTls,
    ...(smtp.username !== null && {
      auth: { user: smtp.username, ...(password !== undefined && { pass: password }) },
    }),
    connectionTimeout: HTTP_SEND_TIMEOUT_MS,
    greetingTimeout: HTTP_SEND_TIMEOUT_MS,
    socketTimeout: HTTP_SEND_TIMEOUT_MS,
  });
  try {
    await transport.sendMail({
      from: smtp.from,
      to: m.to,
      subject: `Your verification code: ${m.code}`,
      text: m.body,
    });
    return null;
  } catch (error) {
    const e = error as { responseCode?: number; code?: string };
    return `the SMTP server refused or failed (${e.responseCode ?? e.code ?? "error"})`;
  } finally {
    transport.close();
  }
}
