-- Migration 013: a persistent job queue for work that talks to other sites (sending Webmentions,
-- verifying received ones, syndication copies). At-least-once: a job is leased for a while; a
-- process that dies leaves the lease to expire and another run picks the job up again. An
-- idempotency key makes enqueueing the same work twice a no-op.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    idempotency_key TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 8,
    run_at TIMESTAMP NOT NULL,
    leased_until TIMESTAMP,
    lease_owner TEXT,
    last_error TEXT,
    result TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX idx_jobs_state_run_at ON jobs(state, run_at);
CREATE INDEX idx_jobs_kind_state ON jobs(kind, state);
