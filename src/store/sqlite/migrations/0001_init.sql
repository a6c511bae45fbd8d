-- The first schema: Medusa v1's batch_job (MEDUSA-SPEC §1) plus batchd's bookkeeping, the event
-- outbox, and admin users. Timestamps are INTEGER milliseconds since the Unix epoch (UTC); JSON
-- columns hold serialized text, SQL NULL for a null value. STRICT: a wrongly typed write fails
-- instead of being stored as something else.

CREATE TABLE batch_job (
    seq              INTEGER PRIMARY KEY,  -- insertion order: the tie-break of every ordering
    id               TEXT    NOT NULL UNIQUE,
    type             TEXT    NOT NULL,
    -- No foreign key to user(id), unlike Medusa: fixtures and the other adapters accept jobs of
    -- users the store does not know, and every adapter must behave alike (tests/contract).
    created_by       TEXT,
    context          TEXT,
    result           TEXT,
    dry_run          INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    pre_processed_at INTEGER,
    confirmed_at     INTEGER,
    processing_at    INTEGER,
    completed_at     INTEGER,
    canceled_at      INTEGER,
    failed_at        INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    deleted_at       INTEGER,
    -- batchd's own columns, never on the wire.
    status           TEXT    NOT NULL,     -- core::StatusOf(job), rewritten by every write
    version          INTEGER NOT NULL,     -- every write is a compare-and-set on it
    lease_owner      TEXT,
    lease_epoch      INTEGER NOT NULL DEFAULT 0,
    lease_expires_at INTEGER,
    cursor           TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0
) STRICT;

-- The claim query walks the jobs that may need a phase in insertion order. Its WHERE repeats this
-- one word for word, which is what lets SQLite use a partial index.
CREATE INDEX batch_job_claimable ON batch_job (seq)
    WHERE deleted_at IS NULL AND status IN ('created', 'confirmed', 'processing');

-- The list API always filters on created_by, and sorts newest first by default.
CREATE INDEX batch_job_created_by_created_at ON batch_job (created_by, created_at);

-- The outbox: events recorded in the transaction of the write that emits them, published after
-- commit. AUTOINCREMENT: sequences keep increasing even after the table has been drained.
CREATE TABLE batch_job_event (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL REFERENCES batch_job (id) ON DELETE CASCADE,
    name   TEXT NOT NULL
) STRICT;

CREATE TABLE user (
    id             TEXT NOT NULL PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    first_name     TEXT NOT NULL DEFAULT '',
    last_name      TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL DEFAULT 'admin',
    password_hash  TEXT,                   -- argon2id string, NULL for none
    api_token_hash TEXT UNIQUE,            -- hex digest of the API token, NULL for none
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    deleted_at     INTEGER
) STRICT;
