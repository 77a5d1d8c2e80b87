-- A verification remembers the flow that started it — `web` (/login/otp, redeemed by
-- /login/otp/check, which starts the session itself) or `native` (/otp, redeemed by /otp/check,
-- whose challenge token carries the PKCE binding to finalize) — and is redeemed only by its own
-- flow, so a PKCE-bound verification never reaches the path that skips the verifier. Pending rows
-- (ten minutes at most) are classified by their PKCE binding.

ALTER TABLE otp_verifications ADD COLUMN flow TEXT NOT NULL DEFAULT 'web';

UPDATE otp_verifications SET flow = 'native' WHERE code_challenge IS NOT NULL;
