#!/usr/bin/env bash
# Measures GetSecretValue throughput and latency of `tumbler serve` (release
# build) with bench-api, compares it with the in-process ceiling server and
# with moto_server, and measures the peak RSS of a server holding 10,000
# secrets. Every server listens on 127.0.0.1 and is stopped on exit.
#
#   tests/bench/api.sh
#
# Settings (environment): CONNECTIONS (16), DURATION in seconds (10),
# RSS_SECRETS (10000), SKIP_BUILD=1 to use the binaries in target/release.
# Needs the compat virtualenv (tests/compat/run.sh creates it; this script
# creates it too when missing) for boto3 and moto_server.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BENCH_DIR="$REPO_ROOT/tests/bench"
VENV="$REPO_ROOT/tests/compat/.venv"
TUMBLER="$REPO_ROOT/target/release/tumbler"
BENCH_API="$REPO_ROOT/target/release/bench-api"
CONNECTIONS="${CONNECTIONS:-16}"
DURATION="${DURATION:-10}"
RSS_SECRETS="${RSS_SECRETS:-10000}"
STARTUP_TIMEOUT_SECS=30
SECRET_NAME="bench/secret"

WORK="$(mktemp -d)"
SERVER_PIDS=()
cleanup() {
  for pid in "${SERVER_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${SERVER_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# boto3 and the aws tools must reach only the loopback servers started here.
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE="$WORK/aws-config"
export AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$REPO_ROOT" && cargo build --release -p tumbler -p tumbler-tests --bin tumbler --bin bench-api)
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REPO_ROOT/tests/compat/requirements.txt"
PYTHON="$VENV/bin/python"

# Starts `tumbler serve` on a free loopback port for data directory $1 and sets
# TUMBLER_PID and TUMBLER_ENDPOINT.
start_tumbler() {
  local data_dir="$1"
  "$TUMBLER" --data-dir "$data_dir" serve --listen 127.0.0.1:0 \
    >"$data_dir.stdout" 2>"$data_dir.stderr" &
  TUMBLER_PID=$!
  SERVER_PIDS+=("$TUMBLER_PID")
  TUMBLER_ENDPOINT=""
  for _ in $(seq 1 $((STARTUP_TIMEOUT_SECS * 10))); do
    TUMBLER_ENDPOINT="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$data_dir.stdout" || true)"
    [ -n "$TUMBLER_ENDPOINT" ] && break
    sleep 0.1
  done
  if [ -z "$TUMBLER_ENDPOINT" ]; then
    echo "error: tumbler serve did not start within ${STARTUP_TIMEOUT_SECS} s:" >&2
    cat "$data_dir.stderr" >&2
    exit 1
  fi
}

# Sends SIGTERM to server $1 and waits for it to exit.
stop_server() {
  kill -TERM "$1"
  wait "$1" || true
}

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

bench() {
  "$BENCH_API" --connections "$CONNECTIONS" --duration "$DURATION" --json "$@"
}

echo "== $(date -u +%FT%TZ) load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== Tumbler: GetSecretValue on one secret"
"$TUMBLER" --data-dir "$WORK/tumbler" secret create "$SECRET_NAME" \
  --secret-string bench-value-0123456789 >/dev/null
start_tumbler "$WORK/tumbler"
TUMBLER_RESULT="$(bench --endpoint "$TUMBLER_ENDPOINT" --label tumbler \
  --credentials-file "$WORK/tumbler/admin-credentials")"
echo "$TUMBLER_RESULT"
stop_server "$TUMBLER_PID"

echo "== Ceiling: in-process axum server with a fixed response"
CEILING_RESULT="$(bench --ceiling)"
echo "$CEILING_RESULT"

echo "== moto_server"
MOTO_PORT="$(free_port)"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
SERVER_PIDS+=("$MOTO_PID")
AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  "$PYTHON" "$BENCH_DIR/secrets.py" create --endpoint "http://127.0.0.1:$MOTO_PORT" --name "$SECRET_NAME"
MOTO_RESULT="$(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  bench --endpoint "http://127.0.0.1:$MOTO_PORT" --label moto)"
echo "$MOTO_RESULT"
stop_server "$MOTO_PID"

echo "== Tumbler: peak RSS with $RSS_SECRETS secrets"
# A first server creates the secrets; a fresh process then serves them, so
# the peak below excludes the creation load.
start_tumbler "$WORK/many"
"$PYTHON" "$BENCH_DIR/secrets.py" create --endpoint "$TUMBLER_ENDPOINT" \
  --credentials-file "$WORK/many/admin-credentials" --name bench/many --count "$RSS_SECRETS"
stop_server "$TUMBLER_PID"
"$TUMBLER" --data-dir "$WORK/many" secret create "$SECRET_NAME" \
  --secret-string bench-value-0123456789 >/dev/null
start_tumbler "$WORK/many"
IDLE_HWM_KB="$(awk '/^VmHWM:/ {print $2}' "/proc/$TUMBLER_PID/status")"
LIST_STARTED_NS="$(date +%s%N)"
LISTED="$("$PYTHON" "$BENCH_DIR/secrets.py" list --endpoint "$TUMBLER_ENDPOINT" \
  --credentials-file "$WORK/many/admin-credentials")"
LIST_MS="$(( ($(date +%s%N) - LIST_STARTED_NS) / 1000000 ))"
LIST_HWM_KB="$(awk '/^VmHWM:/ {print $2}' "/proc/$TUMBLER_PID/status")"
RSS_LOAD_RESULT="$(bench --endpoint "$TUMBLER_ENDPOINT" --label tumbler-10k \
  --credentials-file "$WORK/many/admin-credentials")"
echo "$RSS_LOAD_RESULT"
PEAK_HWM_KB="$(awk '/^VmHWM:/ {print $2}' "/proc/$TUMBLER_PID/status")"
FINAL_RSS_KB="$(awk '/^VmRSS:/ {print $2}' "/proc/$TUMBLER_PID/status")"
stop_server "$TUMBLER_PID"

"$PYTHON" - "$TUMBLER_RESULT" "$CEILING_RESULT" "$MOTO_RESULT" "$RSS_LOAD_RESULT" \
  "$LISTED" "$LIST_MS" "$IDLE_HWM_KB" "$LIST_HWM_KB" "$PEAK_HWM_KB" "$FINAL_RSS_KB" <<'EOF'
import json
import sys

tumbler, ceiling, moto, loaded = (json.loads(text) for text in sys.argv[1:5])
listed, list_ms, idle_kb, list_kb, peak_kb, final_kb = (int(text) for text in sys.argv[5:11])

print()
print(f"{'target':<22} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'reconnects':>10}")
for result in (tumbler, ceiling, moto, loaded):
    print(
        f"{result['label']:<22} {result['requests_per_s']:>11.0f} {result['p50_ms']:>8.3f} "
        f"{result['p99_ms']:>8.3f} {result['errors']:>7} {result['reconnects']:>10}"
    )
print()
print(f"Tumbler / ceiling: {tumbler['requests_per_s'] / ceiling['requests_per_s']:.2f}")
print(f"Tumbler / moto:    {tumbler['requests_per_s'] / moto['requests_per_s']:.1f}")
print(f"tumbler serve with {listed} secrets (ListSecrets of all, 100 per page, took {list_ms} ms):")
print(f"  VmHWM after start:                  {idle_kb / 1024:.1f} MiB")
print(f"  VmHWM after ListSecrets of all:     {list_kb / 1024:.1f} MiB")
print(f"  VmHWM after the GetSecretValue load: {peak_kb / 1024:.1f} MiB (VmRSS {final_kb / 1024:.1f} MiB)")
EOF
