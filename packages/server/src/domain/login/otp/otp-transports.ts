/** A code on its way out, as the gateway and the mail receive it. */
export interface OtpMessage {
  to: string;
  code: string;
  body: string;
}

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  requireTls: boolean;
  username: string | null;
  password: string | undefined;
  from: string;
}

/**
 * How codes leave the server (senders/): each answers null once the peer accepted the message, or
 * why not — for the server log and the app's event, never for the caller. `publicOnly` (prod)
 * refuses internal addresses at connect time.
 */
export interface OtpTransports {
  /** POSTs `payload` as JSON to the app's SMS or email gateway; any 2xx is accepted. */
  gateway(
    url: URL,
    headers: Record<string, string>,
    payload: Record<string, string>,
    options: { publicOnly: boolean },
  ): Promise<string | null>;
  /** Sends the code as an email through the app's SMTP server. */
  mail(smtp: SmtpSettings, message: OtpMessage, options: { publicOnly: boolean }): Promise<string | null>;
}
