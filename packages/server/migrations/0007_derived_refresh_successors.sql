-- A rotated refresh token's successor is now derived from the token with an HMAC (docs/sessions.md)
-- instead of being stored sealed for the retry grace window. Erase the sealed successors: they are
-- no longer read. The column stays until a later release, for nodes still running the previous one.

UPDATE refresh_tokens SET successor_sealed = NULL WHERE successor_sealed IS NOT NULL;
