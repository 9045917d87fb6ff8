-- Browser sessions of the supervisor console (监管端). The cookie carries a random token; only its
-- SHA-256 is stored, so a copy of the database gives no usable session. Each session has its own
-- CSRF token, which every state-changing form of the console must send back.
CREATE TABLE web_sessions (
    token_hash  BLOB PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);
