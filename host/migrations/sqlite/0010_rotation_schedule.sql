-- Scheduler state on each secret. next_rotation_at (from 0001) is the start
-- of the next rotation window.

-- Replica or process that has claimed the secret's due rotation, and until
-- when; an expired lease may be claimed again.
ALTER TABLE secrets ADD COLUMN rotation_lease_owner TEXT;
ALTER TABLE secrets ADD COLUMN rotation_lease_expires_at INTEGER;
-- Earliest time of the next attempt inside the current window after a
-- failed attempt; NULL when no attempt failed in this window.
ALTER TABLE secrets ADD COLUMN rotation_retry_at INTEGER;
-- Failed attempts in the current window, for the retry backoff.
ALTER TABLE secrets ADD COLUMN rotation_window_attempts INTEGER NOT NULL DEFAULT 0;

CREATE INDEX secrets_due_rotation ON secrets (next_rotation_at)
    WHERE rotation_enabled = 1 AND purged_at IS NULL;
