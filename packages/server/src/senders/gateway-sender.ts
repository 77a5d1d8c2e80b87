import type { OtpTransports } from "../domain/login/otp/otp-transports.js";
import type { OutboundClient } from "../outbound/outbound-client.js";
import { VERSION } from "../version.js";

const SEND_TIMEOUT_MS = 5_000;
const MAX_GATEWAY_ANSWER_BYTES = 64 * 1024;
/** Headers that frame the request are Overture's to set, whatever the gateway config says. */
const FRAMING = new Set(["host", "content-length", "transfer-encoding", "connection", "content-type"]);

/**
 * The `http` OTP sender: one JSON POST to the app's gateway through the guarded outbound client,
 * 5 s, no redirects, at most 64 KiB of answer read, any 2xx accepted (docs/otp.md).
 */
export function gatewaySender(outbound: OutboundClient): OtpTransports["gateway"] {
  return async (url, headers, payload, options) => {
    const own = Object.entries(headers).filter(([name]) => !FRAMING.has(name.toLowerCase()));
    const sent = await outbound.post(
      url,
      JSON.stringify(payload),
      { "user-agent": `Overture/${VERSION}`, ...Object.fromEntries(own), "content-type": "application/json" },
      {
        peer: "otp_gateway",
        timeoutMs: SEND_TIMEOUT_MS,
        maxResponseBytes: MAX_GATEWAY_ANSWER_BYTES,
        publicOnly: options.publicOnly,
      },
    );
    if (!sent.ok) return `the sender could not be reached (${sent.failure}: ${sent.detail})`;
    return sent.status >= 200 && sent.status < 300 ? null : `the sender answered HTTP ${sent.status}`;
  };
}
