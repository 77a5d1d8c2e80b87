-- Step-up (docs/step-up.md). A challenge is one request for a scope by one session: the steps it
-- demands, how many are done, and the jti of the one token of it that works now — each step done
-- replaces the token, so an earlier one answers `token_reused`, and spending it on /refresh marks
-- it spent.
CREATE TABLE step_up_challenges (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  grant_mode TEXT NOT NULL,
  granted_for INTEGER NOT NULL,
  -- JSON: [{order, key, expiration_duration}], in order.
  steps TEXT NOT NULL,
  steps_done INTEGER NOT NULL,
  token_jti TEXT NOT NULL,
  -- JSON: the client's metadata, as the tokens carry it.
  metadata TEXT NOT NULL,
  -- For prld:email:register / prld:phone:register: the identifier to attach, `type value`.
  register_identifier TEXT,
  -- When the current token ends: the current step's deadline, or the completed token's.
  expires_at BIGINT NOT NULL,
  spent_at BIGINT,
  created_at BIGINT NOT NULL
);

CREATE INDEX step_up_challenges_expires ON step_up_challenges (expires_at);

-- A scope granted by a spent challenge: to one session (`session-bound`, and `single-use`, which
-- a token mint reads only when it spends the challenge), or to every session of the user
-- (`profile-bound`, session_id null), until expires_at.
CREATE TABLE step_up_grants (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id TEXT REFERENCES sessions (id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  grant_mode TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE INDEX step_up_grants_user ON step_up_grants (user_id);
CREATE INDEX step_up_grants_expires ON step_up_grants (expires_at);

-- An OTP sent for a step-up step names the challenge and the step (`chl_… 2`): it completes that
-- step and no other.
ALTER TABLE otp_verifications ADD COLUMN challenge_step TEXT;
