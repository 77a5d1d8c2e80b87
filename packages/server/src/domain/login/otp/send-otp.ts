import { isIP } from "node:net";
import { createTransport } from "nodemailer";
import { checkOutboundUrl } from "../../../outbound/outbound-url.js";
import { internalAllowList, postOutbound, resolvePublicAddress } from "../../../outbound/post-outbound.js";
import { VERSION } from "../../../version.js";
import type { AppRecord } from "../../apps/app-repository.js";
import { recordEvent } from "../../events/record-event.js";
import { isoTime } from "../../shared/clock.js";
import type { DomainDeps } from "../../shared/domain-deps.js";
import { newId } from "../../shared/new-id.js";
import { openHeaders, openPassword } from "./otp-delivery.js";
import type { OtpConfigRecord } from "./otp-repository.js";

export interface OtpMessage {
  to: string;
  code: string;
  body: string;
}

const SEND_TIMEOUT_MS = 5_000;
const MAX_GATEWAY_ANSWER_BYTES = 64 * 1024;

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
  // Checked again at send time: the app may have switched to prod since the URL was saved.
  const checked = checkOutboundUrl(delivery.url, app.mode, "delivery.url");
  if (!checked.ok) return checked.message;
  const sent = await postOutbound(
    checked.url,
    JSON.stringify({ app_id: app.id, channel: config.channel, to: m.to, code: m.code, body: m.body }),
    {
      "user-agent": `Overture/${VERSION}`,
      ...withoutFraming(openHeaders(deps.secrets.configSecrets, config.id, delivery.headersSealed)),
      "content-type": "application/json",
    },
    {
      timeoutMs: SEND_TIMEOUT_MS,
      maxResponseBytes: MAX_GATEWAY_ANSWER_BYTES,
      publicOnly: app.mode === "prod",
    },
  );
  if (!sent.ok) return `the sender could not be reached (${sent.failure}: ${sent.detail})`;
  return sent.status >= 200 && sent.status < 300 ? null : `the sender answered HTTP ${sent.status}`;
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
  // In prod the host is resolved here, through the address guard, and the connection goes to the
  // address checked; the name stays the TLS server name, so the certificate is still verified.
  let address = smtp.host;
  if (app.mode === "prod") {
    const resolved = await resolvePublicAddress(
      smtp.host,
      internalAllowList(deps.smtpAllowedInternalHosts ?? []),
    );
    if (!resolved.ok) return `the SMTP server could not be reached (${resolved.failure}: ${resolved.detail})`;
    address = resolved.address;
  }
  const password = openPassword(deps.secrets.configSecrets, config.id, smtp.passwordSealed);
  const transport = createTransport({
    host: address,
    ...(isIP(smtp.host) === 0 && { servername: smtp.host }),
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTls,
    ignoreTLS: !smtp.secure && !smtp.requireTls,
    ...(smtp.username !== null && {
      auth: { user: smtp.username, ...(password !== undefined && { pass: password }) },
    }),
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
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

/** The gateway's own headers, minus those that frame the request, which are Overture's to set. */
function withoutFraming(headers: Record<string, string>): Record<string, string> {
  const framing = new Set(["host", "content-length", "transfer-encoding", "connection", "content-type"]);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !framing.has(name.toLowerCase())));
}
