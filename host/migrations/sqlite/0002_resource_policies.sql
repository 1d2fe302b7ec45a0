-- Resource policies attached with PutResourcePolicy: at most one per secret,
-- removed with the secret.
CREATE TABLE resource_policies (
    secret_id  INTEGER PRIMARY KEY REFERENCES secrets (id) ON DELETE CASCADE,
    -- The policy document as the caller sent it (JSON text).
    policy     TEXT    NOT NULL,
    -- Epoch milliseconds (UTC) of the last PutResourcePolicy.
    updated_at INTEGER NOT NULL
);
