#!/usr/bin/env bash
# Runs the AWS SDK compatibility suite: boto3 and the aws CLI (v1) against a
# `tumbler serve` started by the tests. Creates tests/compat/.venv on first
# use, builds the tumbler binary unless TUMBLER_BIN names one, then passes
# any arguments on to pytest.
# The rotation test needs PostgreSQL prepared by .ci/setup-postgres.
set -euo pipefail

COMPAT_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_ROOT="$(cd "$COMPAT_DIR/../.." && pwd)"
VENV="$COMPAT_DIR/.venv"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# pip skips requirements that are already installed at the pinned versions.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$COMPAT_DIR/requirements.txt"

# TUMBLER_BIN names a binary that is already built (scripts/test passes the
# one that the Rust test build made); otherwise the script builds it.
if [ -z "${TUMBLER_BIN:-}" ]; then
  (cd "$REPO_ROOT" && cargo build -p tumbler)
  TUMBLER_BIN="$REPO_ROOT/target/debug/tumbler"
fi
if [ ! -x "$TUMBLER_BIN" ]; then
  echo "error: TUMBLER_BIN=$TUMBLER_BIN is not an executable file" >&2
  exit 2
fi
export TUMBLER_BIN
cd "$REPO_ROOT"
exec "$VENV/bin/python" -m pytest "$COMPAT_DIR" -p no:cacheprovider "$@"
