-- Device store: identity, automerge documents with their durable change log, photos, reference
-- data for offline work, and sync state. Append-only: never edit an applied migration.

CREATE TABLE identity (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    server_url    TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    token         TEXT,
    time_zone     TEXT NOT NULL,
    registered_at_ms INTEGER NOT NULL
);

-- A document is its last snapshot plus the changes appended since; a tap appends one change.
CREATE TABLE docs (
    doc_id        TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    snapshot      BLOB,
    -- Heads the server has acknowledged (hex, comma-separated); changes after them are the outbox.
    synced_heads  TEXT NOT NULL DEFAULT '',
    dirty         INTEGER NOT NULL,
    -- Set when the server refused the document; it is kept and no longer retried automatically.
    rejected_code TEXT,
    rejected_message TEXT,
    updated_at_ms INTEGER NOT NULL
);

CREATE TABLE doc_changes (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id  TEXT NOT NULL REFERENCES docs(doc_id),
    change  BLOB NOT NULL
);
CREATE INDEX doc_changes_doc ON doc_changes(doc_id, id);

CREATE TABLE photos (
    hash          TEXT PRIMARY KEY,
    jpeg          BLOB NOT NULL,
    thumbnail     BLOB NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    meta          TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    uploaded      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE shops (
    id          TEXT PRIMARY KEY,
    licence_no  TEXT NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    record      TEXT NOT NULL
);

CREATE TABLE assignments (
    id      TEXT PRIMARY KEY,
    shop_id TEXT NOT NULL,
    due     TEXT NOT NULL,
    record  TEXT NOT NULL
);

CREATE TABLE colleagues (
    user_id TEXT PRIMARY KEY,
    name    TEXT NOT NULL
);

CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    cursor          INTEGER NOT NULL,
    last_attempt_ms INTEGER,
    last_success_ms INTEGER,
    last_error      TEXT,
    skew_ms         INTEGER,
    skew_flagged    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (id, cursor) VALUES (1, 0);

-- List view of inspections, kept in step with the documents on every change.
CREATE TABLE inspection_index (
    id            TEXT PRIMARY KEY,
    shop_id       TEXT NOT NULL,
    started_at_ms INTEGER NOT NULL,
    submitted     INTEGER NOT NULL,
    outcome       TEXT
);
CREATE INDEX inspection_index_shop ON inspection_index(shop_id, started_at_ms);
