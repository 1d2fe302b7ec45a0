-- Tumbler schema for SQLite. Dates are Unix epoch milliseconds (UTC).

CREATE TABLE secrets (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT    NOT NULL,
    arn                 TEXT    NOT NULL UNIQUE,
    description         TEXT,
    -- NULL means the keyring's default key.
    kms_key_id          TEXT,
    created_at          INTEGER NOT NULL,
    last_changed_at     INTEGER NOT NULL,
    last_accessed_at    INTEGER,
    -- DeletedDate: when DeleteSecret scheduled the deletion.
    deleted_at          INTEGER,
    -- When the scheduled deletion becomes permanent.
    deletion_date       INTEGER,
    -- Set when the secret is purged but the row is kept.
    purged_at           INTEGER,
    -- NULL until rotation is configured for the first time.
    rotation_enabled    INTEGER CHECK (rotation_enabled IN (0, 1)),
    -- Rotator name, reported as RotationLambdaARN.
    rotation_lambda_arn TEXT,
    -- JSON object of rotator settings (string to string).
    rotation_settings   TEXT    NOT NULL DEFAULT '{}',
    -- JSON of the RotationRules as given by the caller.
    rotation_rules      TEXT,
    last_rotated_at     INTEGER,
    next_rotation_at    INTEGER,
    -- 1 once tags were ever set, so DescribeSecret returns `Tags: []` after
    -- all tags are removed and omits Tags for never-tagged secrets.
    tags_set            INTEGER NOT NULL DEFAULT 0 CHECK (tags_set IN (0, 1))
);

-- A name is unique among secrets that are not purged.
CREATE UNIQUE INDEX secrets_live_name ON secrets (name) WHERE purged_at IS NULL;

CREATE TABLE secret_versions (
    secret_id        INTEGER NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    version_id       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    last_accessed_at INTEGER,
    -- All sealed columns are NULL for a rotation placeholder without a value.
    value_kind       TEXT    CHECK (value_kind IN ('text', 'binary')),
    key_id           TEXT,
    wrapped_key      BLOB,
    nonce            BLOB,
    ciphertext       BLOB,
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
    secret_id  INTEGER NOT NULL,
    label      TEXT    NOT NULL,
    version_id TEXT    NOT NULL,
    PRIMARY KEY (secret_id, label),
    FOREIGN KEY (secret_id, version_id)
        REFERENCES secret_versions (secret_id, version_id) ON DELETE CASCADE
);

CREATE INDEX staging_labels_version ON staging_labels (secret_id, version_id);

CREATE TABLE secret_tags (
    secret_id INTEGER NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    tag_key   TEXT    NOT NULL,
    tag_value TEXT    NOT NULL,
    -- Insertion order, so tags come back in the order they were given.
    position  INTEGER NOT NULL,
    PRIMARY KEY (secret_id, tag_key)
);

CREATE TABLE rotations (
    secret_id       INTEGER NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    token           TEXT    NOT NULL,
    rotator         TEXT    NOT NULL,
    status          TEXT    NOT NULL
        CHECK (status IN ('in_progress', 'succeeded', 'failed', 'abandoned')),
    -- NULL once all steps are done.
    next_step       TEXT,
    -- JSON array of finished step names, in order.
    completed_steps TEXT    NOT NULL DEFAULT '[]',
    last_error      TEXT,
    -- 1 for the first run, increased each time the rotation is resumed.
    attempts        INTEGER NOT NULL DEFAULT 1,
    started_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (secret_id, token)
);

CREATE INDEX rotations_status ON rotations (status, updated_at);
