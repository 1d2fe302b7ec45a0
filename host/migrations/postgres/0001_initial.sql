-- Tumbler schema for PostgreSQL. Dates are Unix epoch milliseconds (UTC),
-- as in the SQLite schema, so both stores share their row conversions.

CREATE TABLE secrets (
    id                        BIGSERIAL PRIMARY KEY,
    name                      TEXT    NOT NULL,
    arn                       TEXT    NOT NULL CONSTRAINT secrets_arn_unique UNIQUE,
    description               TEXT,
    -- NULL means the keyring's default key.
    kms_key_id                TEXT,
    created_at                BIGINT  NOT NULL,
    last_changed_at           BIGINT  NOT NULL,
    last_accessed_at          BIGINT,
    -- DeletedDate: when DeleteSecret scheduled the deletion.
    deleted_at                BIGINT,
    -- When the scheduled deletion becomes permanent.
    deletion_date             BIGINT,
    -- Set when the secret is purged but the row is kept.
    purged_at                 BIGINT,
    -- NULL until rotation is configured for the first time.
    rotation_enabled          BOOLEAN,
    -- Rotator name, reported as RotationLambdaARN.
    rotation_lambda_arn       TEXT,
    -- JSON object of rotator settings (string to string).
    rotation_settings         TEXT    NOT NULL DEFAULT '{}',
    -- JSON of the RotationRules as given by the caller.
    rotation_rules            TEXT,
    last_rotated_at           BIGINT,
    -- Start of the next rotation window.
    next_rotation_at          BIGINT,
    -- TRUE once tags were ever set, so DescribeSecret returns `Tags: []`
    -- after all tags are removed and omits Tags for never-tagged secrets.
    tags_set                  BOOLEAN NOT NULL DEFAULT FALSE,
    -- Replica that has claimed the secret's due rotation, and until when;
    -- an expired lease may be claimed again.
    rotation_lease_owner      TEXT,
    rotation_lease_expires_at BIGINT,
    -- Earliest next attempt inside the current window after a failure.
    rotation_retry_at         BIGINT,
    -- Failed attempts in the current window, for the retry backoff.
    rotation_window_attempts  BIGINT  NOT NULL DEFAULT 0
);

-- A name is unique among secrets that are not purged.
CREATE UNIQUE INDEX secrets_live_name ON secrets (name) WHERE purged_at IS NULL;

CREATE INDEX secrets_due_rotation ON secrets (next_rotation_at)
    WHERE rotation_enabled AND purged_at IS NULL;

CREATE TABLE secret_versions (
    secret_id        BIGINT  NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    version_id       TEXT    NOT NULL,
    -- Insertion order, which breaks ties between equal creation dates.
    seq              BIGSERIAL,
    created_at       BIGINT  NOT NULL,
    last_accessed_at BIGINT,
    -- All sealed columns are NULL for a rotation placeholder without a value.
    value_kind       TEXT    CHECK (value_kind IN ('text', 'binary')),
    key_id           TEXT,
    wrapped_key      BYTEA,
    nonce            BYTEA,
    ciphertext       BYTEA,
    PRIMARY KEY (secret_id, version_id),
    CHECK (
        (value_kind IS NULL AND key_id IS NULL AND wrapped_key IS NULL
            AND nonce IS NULL AND ciphertext IS NULL)
        OR (value_kind IS NOT NULL AND key_id IS NOT NULL AND wrapped_key IS NOT NULL
            AND nonce IS NOT NULL AND ciphertext IS NOT NULL)
    )
);

-- One row per (secret, label): a label can never sit on two versions.
CREATE TABLE staging_labels (
    secret_id  BIGINT NOT NULL,
    label      TEXT   NOT NULL,
    version_id TEXT   NOT NULL,
    PRIMARY KEY (secret_id, label),
    FOREIGN KEY (secret_id, version_id)
        REFERENCES secret_versions (secret_id, version_id) ON DELETE CASCADE
);

CREATE INDEX staging_labels_version ON staging_labels (secret_id, version_id);

CREATE TABLE secret_tags (
    secret_id BIGINT NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    tag_key   TEXT   NOT NULL,
    tag_value TEXT   NOT NULL,
    -- Insertion order, so tags come back in the order they were given.
    position  BIGINT NOT NULL,
    PRIMARY KEY (secret_id, tag_key)
);

CREATE TABLE rotations (
    secret_id       BIGINT NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    token           TEXT   NOT NULL,
    -- Insertion order, which breaks ties between equal start dates.
    seq             BIGSERIAL,
    rotator         TEXT   NOT NULL,
    status          TEXT   NOT NULL
        CHECK (status IN ('in_progress', 'succeeded', 'failed', 'abandoned')),
    -- NULL once all steps are done.
    next_step       TEXT,
    -- JSON array of finished step names, in order.
    completed_steps TEXT   NOT NULL DEFAULT '[]',
    last_error      TEXT,
    -- 1 for the first run, increased each time the rotation is resumed.
    attempts        BIGINT NOT NULL DEFAULT 1,
    started_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    -- SHA-256 of the rotator component the rotation started with.
    rotator_sha256  TEXT,
    PRIMARY KEY (secret_id, token)
);

CREATE INDEX rotations_status ON rotations (status, updated_at);

-- Resource policies: at most one per secret, removed with the secret.
CREATE TABLE resource_policies (
    secret_id  BIGINT PRIMARY KEY REFERENCES secrets (id) ON DELETE CASCADE,
    -- The policy document as the caller sent it (JSON text).
    policy     TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Access keys that sign API requests.
CREATE TABLE access_keys (
    -- Access key id, `TKIA` and 16 upper-case letters and digits.
    id           TEXT    PRIMARY KEY,
    -- User name in the principal ARN.
    name         TEXT    NOT NULL,
    description  TEXT,
    -- The secret access key, sealed with the keyring and bound to `id`.
    key_id       TEXT    NOT NULL,
    wrapped_key  BYTEA   NOT NULL,
    nonce        BYTEA   NOT NULL,
    ciphertext   BYTEA   NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT,
    disabled     BOOLEAN NOT NULL DEFAULT FALSE,
    is_admin     BOOLEAN NOT NULL DEFAULT FALSE,
    -- Identity policy document (JSON), NULL when none is attached.
    policy       TEXT,
    -- JSON object of tags (string to string).
    tags         TEXT    NOT NULL DEFAULT '{}'
);

-- Custom rotators installed with `tumbler rotator install`.
CREATE TABLE installed_rotators (
    -- Name used in --rotator and RotationLambdaARN: [a-z0-9][a-z0-9-]{0,62}.
    name         TEXT   PRIMARY KEY,
    -- Lower-case hex SHA-256 of `component`.
    sha256       TEXT   NOT NULL,
    size_bytes   BIGINT NOT NULL,
    -- What the component's `info` export returned at install time.
    info_name    TEXT   NOT NULL,
    info_version TEXT   NOT NULL,
    sdk_version  TEXT   NOT NULL,
    installed_at BIGINT NOT NULL,
    -- The WebAssembly component as installed.
    component    BYTEA  NOT NULL
);
