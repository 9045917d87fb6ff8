-- Central risk database: accounts, the district register, stored automerge documents, the sync feed,
-- and the relational projections that reports query. Append-only: never edit an applied migration.

CREATE TABLE offices (
    name        TEXT PRIMARY KEY,
    street      TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('inspector', 'supervisor', 'owner', 'admin')),
    office        TEXT,
    shop_id       TEXT,
    phone         TEXT,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- One row per sign-in of a user on a device; the id's bytes are the device's automerge actor.
CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    last_seen_at TEXT,
    last_skew_ms INTEGER,
    revoked     INTEGER NOT NULL DEFAULT 0
);

-- One global, monotonic sequence orders every change the feed can carry.
CREATE TABLE feed_seq (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO feed_seq (id, value) VALUES (1, 0);

CREATE TABLE shops (
    id            TEXT PRIMARY KEY,
    licence_no    TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    address       TEXT NOT NULL,
    street        TEXT NOT NULL,
    business_type TEXT NOT NULL,
    area_m2       INTEGER,
    meals_per_day INTEGER,
    serves        TEXT NOT NULL,
    updated_seq   INTEGER NOT NULL
);
CREATE INDEX shops_street ON shops(street);

-- Planned visits (检查任务) for a pair of inspectors.
CREATE TABLE assignments (
    id          TEXT PRIMARY KEY,
    shop_id     TEXT NOT NULL REFERENCES shops(id),
    kind        TEXT NOT NULL,
    due         TEXT NOT NULL,
    note        TEXT NOT NULL,
    updated_seq INTEGER NOT NULL
);
CREATE TABLE assignment_inspectors (
    assignment_id TEXT NOT NULL REFERENCES assignments(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    position      INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, user_id)
);
CREATE INDEX assignment_inspectors_user ON assignment_inspectors(user_id);

-- The merged automerge documents. `version` is bumped on every write (optimistic concurrency).
CREATE TABLE docs (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    heads      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

-- Heads of each document after each write, by feed position: what a device at cursor N has.
CREATE TABLE doc_versions (
    seq     INTEGER PRIMARY KEY,
    doc_id  TEXT NOT NULL REFERENCES docs(id),
    heads   TEXT NOT NULL
);
CREATE INDEX doc_versions_doc ON doc_versions(doc_id, seq);

-- Who may read a document; `since_seq` is when they were added (they need its full history then).
CREATE TABLE doc_audience (
    doc_id    TEXT NOT NULL REFERENCES docs(id),
    user_id   TEXT NOT NULL REFERENCES users(id),
    since_seq INTEGER NOT NULL,
    PRIMARY KEY (doc_id, user_id)
);
CREATE INDEX doc_audience_user ON doc_audience(user_id);

CREATE TABLE photos (
    hash        TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    media_type  TEXT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES devices(id),
    uploaded_at TEXT NOT NULL
);

CREATE TABLE doc_photos (
    doc_id TEXT NOT NULL REFERENCES docs(id),
    hash   TEXT NOT NULL,
    PRIMARY KEY (doc_id, hash)
);
CREATE INDEX doc_photos_hash ON doc_photos(hash);

-- Projections: the relational view of the merged documents, rebuilt per document on every merge.
CREATE TABLE inspections (
    id                 TEXT PRIMARY KEY REFERENCES docs(id),
    shop_id            TEXT NOT NULL,
    template_id        TEXT NOT NULL,
    template_version   INTEGER NOT NULL,
    kind               TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    device_started_at_ms INTEGER NOT NULL,
    device_utc_offset_min INTEGER NOT NULL,
    recorded_at        TEXT NOT NULL,
    report_date        TEXT NOT NULL,
    skew_ms            INTEGER NOT NULL,
    skew_flagged       INTEGER NOT NULL,
    first_received_at  TEXT NOT NULL,
    submitted_at_ms    INTEGER,
    outcome            TEXT,
    outcome_band       TEXT,
    rule_id            TEXT,
    rule_version       INTEGER,
    device_outcome     TEXT,
    outcome_disagrees  INTEGER NOT NULL DEFAULT 0,
    key_failed         INTEGER NOT NULL,
    general_failed     INTEGER NOT NULL,
    general_pass_permille INTEGER NOT NULL,
    conflicts          INTEGER NOT NULL,
    edited_outside_seal TEXT NOT NULL,
    signature_kind     TEXT,
    signature_image    TEXT,
    signer_name        TEXT,
    refusal_reason     TEXT,
    refusal_witness    TEXT
);
CREATE INDEX inspections_report_date ON inspections(report_date);
CREATE INDEX inspections_shop ON inspections(shop_id);

CREATE TABLE inspection_inspectors (
    inspection_id TEXT NOT NULL REFERENCES inspections(id),
    user_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    PRIMARY KEY (inspection_id, user_id)
);
CREATE INDEX inspection_inspectors_user ON inspection_inspectors(user_id);

CREATE TABLE answers (
    inspection_id TEXT NOT NULL REFERENCES inspections(id),
    item_id       TEXT NOT NULL,
    answer        TEXT NOT NULL,
    verdict       TEXT NOT NULL,
    key_item      INTEGER NOT NULL,
    remark        TEXT NOT NULL,
    photos        TEXT NOT NULL,
    answered_by   TEXT NOT NULL,
    conflict      TEXT,
    PRIMARY KEY (inspection_id, item_id)
);

-- Failed items of submitted records and the rectification task each became.
CREATE TABLE tasks (
    id            TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections(id),
    shop_id       TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    item_text     TEXT NOT NULL,
    key_item      INTEGER NOT NULL,
    remark        TEXT NOT NULL,
    photos        TEXT NOT NULL,
    mode          TEXT NOT NULL,
    measure       TEXT,
    due           TEXT,
    requirement   TEXT,
    tier          TEXT NOT NULL,
    state         TEXT NOT NULL,
    rounds        TEXT NOT NULL,
    reviews       TEXT NOT NULL,
    closed_at_ms  INTEGER,
    UNIQUE (inspection_id, item_id)
);
CREATE INDEX tasks_shop ON tasks(shop_id);
CREATE INDEX tasks_state ON tasks(state);
