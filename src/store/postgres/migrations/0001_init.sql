-- The first schema: Medusa v1's batch_job (MEDUSA-SPEC §1) plus batchd's bookkeeping, the event
-- outbox, and admin users; the same tables as the SQLite store (src/store/sqlite/migrations), in
-- PostgreSQL's types. Timestamps are timestamptz written with millisecond precision
-- (core::TimePoint); JSON columns are jsonb, SQL NULL for a null value.

CREATE TABLE batch_job (
    seq              bigserial   NOT NULL UNIQUE,  -- insertion order: the tie-break of every ordering
    id               text        NOT NULL PRIMARY KEY,
    type             text        NOT NULL,
    -- No foreign key to "user"(id), unlike Medusa: fixtures and the other adapters accept jobs of
    -- users the store does not know, and every adapter must behave alike (tests/contract).
    created_by       text,
    context          jsonb,
    result           jsonb,
    dry_run          boolean     NOT NULL DEFAULT false,
    pre_processed_at timestamptz,
    confirmed_at     timestamptz,
    processing_at    timestamptz,
    completed_at     timestamptz,
    canceled_at      timestamptz,
    failed_at        timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    -- batchd's own columns, never on the wire.
    status           text        NOT NULL,         -- core::StatusOf(job), rewritten by every write
    version          bigint      NOT NULL,         -- every write is a compare-and-set on it
    lease_owner      text,
    lease_epoch      bigint      NOT NULL DEFAULT 0,
    lease_expires_at timestamptz,
    cursor           jsonb,
    attempts         integer     NOT NULL DEFAULT 0
);

-- The claim query walks the jobs that may need a phase in insertion order. Its WHERE repeats this
-- predicate word for word, which is what lets the planner use the partial index.
CREATE INDEX batch_job_claimable ON batch_job (seq)
    WHERE deleted_at IS NULL AND status IN ('created', 'confirmed', 'processing');

-- The list API always filters on created_by, and sorts newest first by default.
CREATE INDEX batch_job_created_by_created_at ON batch_job (created_by, created_at);

-- The outbox: events recorded in the statement of the write that emits them, published after
-- commit. bigserial: sequence numbers keep increasing even after the table has been drained.
CREATE TABLE batch_job_event (
    seq    bigserial NOT NULL PRIMARY KEY,
    job_id text      NOT NULL REFERENCES batch_job (id) ON DELETE CASCADE,
    name   text      NOT NULL
);

-- "user" is a reserved word in PostgreSQL, hence the quotes (Medusa's table has the same name).
CREATE TABLE "user" (
    id             text        NOT NULL PRIMARY KEY,
    email          text        NOT NULL UNIQUE,
    first_name     text        NOT NULL DEFAULT '',
    last_name      text        NOT NULL DEFAULT '',
    role           text        NOT NULL DEFAULT 'admin',
    password_hash  text,                           -- argon2id string, NULL for none
    api_token_hash text        UNIQUE,             -- hex digest of the API token, NULL for none
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz
);
