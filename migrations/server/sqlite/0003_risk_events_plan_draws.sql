-- Risk grading inputs and outputs beside risk_grades: the events that raise a shop's next level,
-- inspector recusals, the visits the annual plan made, and the recorded 双随机 draws.

-- Events that raise next year's level (风险等级调升情形), imported or entered by supervisors.
-- `event_code` is a code of the risk table's raise_events.
CREATE TABLE risk_events (
    id          TEXT PRIMARY KEY,
    shop_id     TEXT NOT NULL REFERENCES shops(id),
    event_code  TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('import', 'manual')),
    note        TEXT NOT NULL,
    entered_by  TEXT NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL
);
CREATE INDEX risk_events_occurred ON risk_events(occurred_on);

-- Conflicts of interest (回避): the inspector is never planned or drawn for the shop.
CREATE TABLE recusals (
    inspector_id TEXT NOT NULL REFERENCES users(id),
    shop_id      TEXT NOT NULL REFERENCES shops(id),
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (inspector_id, shop_id)
);

-- What the annual plan or a draw made of each assignment it wrote.
CREATE TABLE planned_visits (
    assignment_id  TEXT PRIMARY KEY REFERENCES assignments(id),
    shop_id        TEXT NOT NULL REFERENCES shops(id),
    year           INTEGER NOT NULL,
    period         INTEGER NOT NULL,
    periods        INTEGER NOT NULL,
    level          TEXT NOT NULL CHECK (level IN ('A', 'B', 'C', 'D')),
    full_checklist INTEGER NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('plan', 'draw')),
    draw_id        TEXT
);
CREATE INDEX planned_visits_year ON planned_visits(year, shop_id);

-- Recorded draws: the seed, the canonical inputs (JSON) and the result, so anyone can re-run them.
CREATE TABLE draws (
    id            TEXT PRIMARY KEY,
    year          INTEGER NOT NULL,
    title         TEXT NOT NULL,
    seed          TEXT NOT NULL,
    algorithm     TEXT NOT NULL,
    input_digest  TEXT NOT NULL,
    inputs        TEXT NOT NULL,
    result        TEXT NOT NULL,
    result_digest TEXT NOT NULL,
    due           TEXT NOT NULL,
    -- The office the draw was limited to, or NULL for the whole district.
    office        TEXT,
    created_by    TEXT NOT NULL REFERENCES users(id),
    created_at    TEXT NOT NULL
);
