import { isIP } from "node:net";
import { createTransport } from "nodemailer";
import type { OtpTransports } from "../domain/login/otp/otp-transports.js";
import { internalAllowList, resolvePublicAddress } from "../outbound/address-guard.js";

const SEND_TIMEOUT_MS = 5_000;

/**
 * The `smtp` OTP sender, with nodemailer. When `publicOnly` (prod) the host is resolved here,
 * through the address guard, unless the operator allowed it as an internal relay
 * (OVERTURE_SMTP_ALLOWED_INTERNAL_HOSTS); the connection then goes to the address checked, and
 * the name stays the TLS server name, so the certificate is still verified.
 */
export function smtpSender(allowedInternalHosts: readonly string[]): OtpTransports["mail"] {
  const allowed = internalAllowList(allowedInternalHosts);
  return async (smtp, message, options) => {
    let address = smtp.host;
    if (options.publicOnly) {
      const resolved = await resolvePublicAddress(smtp.host, allowed);
      if (!resolved.ok)
        return `the SMTP server could not be reached (${resolved.failure}: ${resolved.detail})`;
      address = resolved.address;
    }
    const transport = createTransport({
      host: address,
      ...(isIP(smtp.host) === 0 && { servername: smtp.host }),
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTls,
      ignoreTLS: !smtp.secure && !smtp.requireTls,
      ...(smtp.username !== null && {
        auth: { user: smtp.username, ...(smtp.password !== undefined && { pass: smtp.password }) },
      }),
      connectionTimeout: SEND_TIMEOUT_MS,
      greetingTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
    });
    try {
      await transport.sendMail({
        from: smtp.from,
        to: message.to,
        subject: `Your verification code: ${message.code}`,
        text: message.body,
      });
      return null;
    } catch (error) {
      const e = error as { responseCode?: number; code?: string };
      return `the SMTP server refused or failed (${e.responseCode ?? e.code ?? "error"})`;
    } finally {
      transport.close();
    }
  };
}
