-- Risk grades (风险等级) per shop and year, written by the risk grading run and read by the console and
-- the public QR page. A new grading run for the same shop and year replaces the row.
CREATE TABLE risk_grades (
    shop_id        TEXT NOT NULL REFERENCES shops(id),
    year           INTEGER NOT NULL,
    level          TEXT NOT NULL CHECK (level IN ('A', 'B', 'C', 'D')),
    -- Scores out of 100 (static out of 40, dynamic out of 60); higher means riskier.
    score          INTEGER NOT NULL,
    static_score   INTEGER NOT NULL,
    dynamic_score  INTEGER NOT NULL,
    -- Steps raised by events of the previous year (0, 1 or 2).
    raised_steps   INTEGER NOT NULL DEFAULT 0,
    -- JSON list of the factors and the points each gave, shown as the grade's explanation.
    explanation    TEXT NOT NULL,
    table_id       TEXT NOT NULL,
    table_version  INTEGER NOT NULL,
    computed_at    TEXT NOT NULL,
    PRIMARY KEY (shop_id, year)
);
CREATE INDEX risk_grades_year_level ON risk_grades(year, level);
