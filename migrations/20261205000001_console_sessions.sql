-- Console sessions: the long-lived half of a console login. The browser holds the session's
-- secret in an HttpOnly cookie; only its SHA-256 digest is stored, so a copy of this table lets
-- nobody in. Logging out revokes the row; an expired or revoked session refreshes nothing.

CREATE TABLE console_sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_digest BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    CONSTRAINT console_sessions_token_digest_key UNIQUE (token_digest),
    CONSTRAINT console_sessions_digest_is_sha256_check CHECK (octet_length(token_digest) = 32),
    CONSTRAINT console_sessions_expire_after_creation_check CHECK (expires_at > created_at)
);
CREATE INDEX console_sessions_user_idx ON console_sessions (user_id);
