-- Access keys that sign API requests. Dates are Unix epoch milliseconds (UTC).

CREATE TABLE access_keys (
    -- Access key id, `TKIA` and 16 upper-case letters and digits.
    id           TEXT    PRIMARY KEY,
    -- User name in the principal ARN.
    name         TEXT    NOT NULL,
    description  TEXT,
    -- The secret access key, sealed with the keyring and bound to `id`.
    key_id       TEXT    NOT NULL,
    wrapped_key  BLOB    NOT NULL,
    nonce        BLOB    NOT NULL,
    ciphertext   BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    disabled     INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    is_admin     INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    -- Identity policy document (JSON), NULL when none is attached.
    policy       TEXT,
    -- JSON object of tags (string to string).
    tags         TEXT    NOT NULL DEFAULT '{}'
);
