import type { ContactIdentifier } from "@overture/protocol";

export type OtpChannel = "sms" | "email";

/** A sender as stored: credentials only in sealed form (otp-delivery.ts). */
export type OtpDelivery =
  | { type: "console" }
  | { type: "http"; url: string; headerNames: string[]; headersSealed: string | null }
  | {
      type: "smtp";
      host: string;
      port: number;
      secure: boolean;
      requireTls: boolean;
      username: string | null;
      passwordSealed: string | null;
      from: string;
    };

export interface OtpConfigRecord {
  id: string;
  appId: string;
  channel: OtpChannel;
  isDefault: boolean;
  templateId: string | null;
  senderId: string | null;
  grantedScopes: string[];
  delivery: OtpDelivery;
  createdAt: number;
  updatedAt: number;
}

/**
 * Which pair of endpoints a verification belongs to (docs/otp.md, "The two flows"), or a step-up
 * step (`/otp` and `/otp/check` with a challenge token; docs/step-up.md).
 */
export type OtpFlow = "web" | "native" | "stepup";

export interface OtpVerificationRecord {
  id: string;
  flow: OtpFlow;
  appId: string;
  tokenSha256: string;
  configId: string;
  identifier: ContactIdentifier;
  codeMac: string;
  codeChallenge: string | null;
  attempts: number;
  sends: number;
  lastSentAt: number;
  expiresAt: number;
  consumedAt: number | null;
  createdAt: number;
  /** For a step-up step: `<challenge id> <steps done>`, the one step it completes. */
  challengeStep: string | null;
}

export interface DevMessage {
  id: string;
  appId: string;
  channel: string;
  to: string;
  code: string;
  body: string;
  createdAt: number;
}

export interface OtpRepository {
  createConfig(config: OtpConfigRecord): Promise<void>;
  listConfigs(appId: string): Promise<OtpConfigRecord[]>;
  getConfig(appId: string, id: string): Promise<OtpConfigRecord | null>;
  replaceConfig(config: OtpConfigRecord): Promise<boolean>;
  deleteConfig(appId: string, id: string): Promise<boolean>;
  /** Clears `is_default` on the app's other configs of the channel. */
  clearDefault(appId: string, channel: OtpChannel, except: string): Promise<void>;
  insertVerification(v: OtpVerificationRecord): Promise<void>;
  findVerification(appId: string, tokenSha256: string): Promise<OtpVerificationRecord | null>;
  /** The newest unconsumed verification sent for a step-up step. */
  findPendingForStep(appId: string, challengeStep: string): Promise<OtpVerificationRecord | null>;
  /** Counts one check; returns the attempts made so far, this one included. Atomic. */
  countAttempt(id: string): Promise<number>;
  /** Records a resend with its new code, unless the verification was consumed. */
  recordResend(id: string, codeMac: string, now: number, maxAttempts: number): Promise<boolean>;
  /** Marks the verification used; false when it already was. */
  consume(id: string, now: number): Promise<boolean>;
  addDevMessage(message: DevMessage): Promise<void>;
  /** Deletes verifications past expiry and dev messages older than `devMessagesBefore`. */
  purge(now: number, devMessagesBefore: number): Promise<number>;
  listDevMessages(appId: string, limit: number): Promise<DevMessage[]>;
}
