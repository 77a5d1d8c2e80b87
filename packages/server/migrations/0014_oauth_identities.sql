-- OAuth identities are identifiers of their own type, `oauth`, valued `<provider>:<provider user id>`
-- (`google:1098…`): unique per app like every identifier, by the same index (docs/users.md).
ALTER TABLE user_identifiers DROP CONSTRAINT user_identifiers_type_check;
ALTER TABLE user_identifiers
  ADD CONSTRAINT user_identifiers_type_check CHECK (type IN ('email_address', 'phone_number', 'oauth'));
