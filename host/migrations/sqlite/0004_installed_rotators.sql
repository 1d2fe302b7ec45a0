-- Custom rotators installed with `tumbler rotator install`. Every process
-- that opens the database sees the same set. Dates are Unix epoch
-- milliseconds (UTC).
CREATE TABLE installed_rotators (
    -- Name used in --rotator and RotationLambdaARN: [a-z0-9][a-z0-9-]{0,62}.
    name          TEXT    PRIMARY KEY,
    -- Lower-case hex SHA-256 of `component`.
    sha256        TEXT    NOT NULL,
    size_bytes    INTEGER NOT NULL,
    -- What the component's `info` export returned at install time.
    info_name     TEXT    NOT NULL,
    info_version  TEXT    NOT NULL,
    sdk_version   TEXT    NOT NULL,
    installed_at  INTEGER NOT NULL,
    -- The WebAssembly component as installed.
    component     BLOB    NOT NULL
);

-- SHA-256 of the rotator component a rotation started with, so a resumed
-- rotation can detect that the rotator was replaced. NULL for rotations
-- started before this column existed.
ALTER TABLE rotations ADD COLUMN rotator_sha256 TEXT;
