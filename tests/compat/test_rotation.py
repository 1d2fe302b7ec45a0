"""RotateSecret over the API rotating a real PostgreSQL role's password.

Needs PostgreSQL at TUMBLER_TEST_PG_HOST:TUMBLER_TEST_PG_PORT (default
127.0.0.1:5432) with `psql` on PATH, prepared by `.ci/setup-postgres` so that
members of `tumbler_password_auth` must log in with a password. The test fails,
never skips, when any of that is missing.
"""

import json
import os
import shutil
import subprocess
import time
import uuid

import pytest

PG_HOST = os.environ.get("TUMBLER_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TUMBLER_TEST_PG_PORT", "5432"))
PG_ADMIN = os.environ.get("TUMBLER_TEST_PG_USER", "postgres")
PG_ADMIN_PASSWORD = os.environ.get("TUMBLER_TEST_PG_PASSWORD", "")
PG_DATABASE = os.environ.get("TUMBLER_TEST_PG_DATABASE", "postgres")
PASSWORD_AUTH_GROUP = "tumbler_password_auth"

ROTATION_TIMEOUT_SECS = 30
PSQL_TIMEOUT_SECS = 20


def psql(user: str, password: str, sql: str) -> subprocess.CompletedProcess:
    """Run one statement with psql as `user`; the password travels in PGPASSWORD only."""
    if shutil.which("psql") is None:
        pytest.fail("psql is not on PATH; install the PostgreSQL client")
    environment = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
    return subprocess.run(
        [
            "psql",
            "-h", PG_HOST,
            "-p", str(PG_PORT),
            "-U", user,
            "-d", PG_DATABASE,
            "-v", "ON_ERROR_STOP=1",
            "-w",
            "-Atc", sql,
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=PSQL_TIMEOUT_SECS,
        check=False,
    )


def psql_admin(sql: str) -> str:
    result = psql(PG_ADMIN, PG_ADMIN_PASSWORD, sql)
    if result.returncode != 0:
        pytest.fail(
            f"psql as {PG_ADMIN} at {PG_HOST}:{PG_PORT} failed ({result.stderr.strip()}). "
            "Start PostgreSQL and run .ci/setup-postgres, or set TUMBLER_TEST_PG_*"
        )
    return result.stdout.strip()


@pytest.fixture
def pg_role():
    """A login role in the password-auth group, dropped after the test."""
    group = psql_admin(f"SELECT rolname FROM pg_roles WHERE rolname = '{PASSWORD_AUTH_GROUP}'")
    if group != PASSWORD_AUTH_GROUP:
        pytest.fail(f"role {PASSWORD_AUTH_GROUP} is missing; run .ci/setup-postgres")
    name = f"compat_rot_{uuid.uuid4().hex[:8]}"
    password = f"Initial-{uuid.uuid4().hex}"
    psql_admin(f"CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE {PASSWORD_AUTH_GROUP}")
    yield name, password
    psql_admin(f"DROP ROLE IF EXISTS {name}")


@pytest.fixture
def rotation_server(start_server):
    """A server whose PostgreSQL rotator may connect to the test database."""

    def write_config(data_dir):
        (data_dir / "tumbler.toml").write_text(
            f'[rotators.postgres]\nallow_hosts = ["postgres://{PG_HOST}:{PG_PORT}"]\n'
        )

    return start_server(prepare=write_config)


def can_log_in(user: str, password: str) -> bool:
    result = psql(user, password, "SELECT current_user")
    return result.returncode == 0 and result.stdout.strip() == user


def test_rotation_over_api(rotation_server, pg_role):
    role, initial_password = pg_role
    assert can_log_in(role, initial_password)
    assert not can_log_in(role, "wrong-password"), "the server accepts any password for test roles"

    client = rotation_server.client()
    name = f"app/db-{role}"
    credentials = {
        "engine": "postgres",
        "host": PG_HOST,
        "port": PG_PORT,
        "username": role,
        "password": initial_password,
        "dbname": PG_DATABASE,
    }
    client.create_secret(Name=name, SecretString=json.dumps(credentials))

    started = client.rotate_secret(
        SecretId=name,
        RotationLambdaARN="postgres",
        RotationRules={"AutomaticallyAfterDays": 30},
    )
    new_version = started["VersionId"]

    stages: list[str] = []
    deadline = time.monotonic() + ROTATION_TIMEOUT_SECS
    while time.monotonic() < deadline:
        versions = client.describe_secret(SecretId=name)["VersionIdsToStages"]
        stages = versions.get(new_version, [])
        if "AWSCURRENT" in stages:
            break
        time.sleep(0.2)
    assert "AWSCURRENT" in stages, f"rotation did not finish in {ROTATION_TIMEOUT_SECS} s"

    described = client.describe_secret(SecretId=name)
    assert described["RotationEnabled"] is True
    assert described["RotationLambdaARN"] == "postgres"
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert "LastRotatedDate" in described

    current = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
    assert current["username"] == role
    assert current["password"] != initial_password
    previous = json.loads(
        client.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"]
    )
    assert previous["password"] == initial_password

    assert can_log_in(role, current["password"])
    assert not can_log_in(role, initial_password)
