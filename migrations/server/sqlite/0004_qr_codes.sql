-- 一户一码 (one QR code per shop): signing keys, each shop's code generation, and the public base URL.
-- Append-only: never edit an applied migration.

-- HMAC-SHA256 keys that sign the codes. The newest unretired key signs; any stored key verifies, so a
-- code printed before a key rotation stays valid until its key is retired.
CREATE TABLE qr_keys (
    key_id     INTEGER PRIMARY KEY CHECK (key_id BETWEEN 1 AND 65535),
    secret     BLOB NOT NULL CHECK (length(secret) = 32),
    created_at TEXT NOT NULL,
    retired    INTEGER NOT NULL DEFAULT 0
);

-- The current code generation of a shop. A shop without a row is at generation 1; revoking a code
-- raises the generation, so every code of an older generation reads as revoked (已失效).
CREATE TABLE qr_generations (
    shop_id    TEXT PRIMARY KEY REFERENCES shops(id),
    generation INTEGER NOT NULL CHECK (generation >= 1),
    revoked_at TEXT NOT NULL,
    revoked_by TEXT NOT NULL
);

-- Settings of the QR pages; `public_base_url` is the scheme and host printed into the codes.
CREATE TABLE qr_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
