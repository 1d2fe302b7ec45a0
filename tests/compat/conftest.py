"""Fixtures that run `tumbler serve` on loopback and build boto3 and aws CLI clients for it.

Every client gets an explicit endpoint URL and explicit credentials, and the
environment points the AWS config and credentials files at empty files made
here, so no request leaves the machine (no profile, no instance metadata).
"""

import configparser
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
TUMBLER_BIN = Path(os.environ.get("TUMBLER_BIN", REPO_ROOT / "target" / "debug" / "tumbler"))
REGION = "us-east-1"

STARTUP_TIMEOUT_SECS = 30
SHUTDOWN_TIMEOUT_SECS = 40
CLI_TIMEOUT_SECS = 60
SERVING_LINE = re.compile(r"Serving the Secrets Manager API on (http://\S+)")


def _isolate_aws_environment() -> None:
    """Point the AWS SDKs at empty config files and drop inherited AWS settings."""
    for name in list(os.environ):
        if name.startswith("AWS_") and name != "AWS_CA_BUNDLE":
            del os.environ[name]
    config_dir = Path(tempfile.mkdtemp(prefix="tumbler-compat-aws-"))
    (config_dir / "config").write_text("")
    (config_dir / "credentials").write_text("")
    os.environ["AWS_CONFIG_FILE"] = str(config_dir / "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(config_dir / "credentials")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["AWS_DEFAULT_REGION"] = REGION
    # A proxy from the environment must never see loopback traffic.
    no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
    os.environ["NO_PROXY"] = no_proxy
    os.environ["no_proxy"] = no_proxy


_isolate_aws_environment()


def _store_environment() -> dict[str, str]:
    """Return the environment for a tumbler process.

    When TUMBLER_TEST_STORE is a postgres:// URL, TUMBLER_STORE names a new
    schema in that database, so each server starts empty. Otherwise the server
    uses the SQLite file in its data directory."""
    environment = dict(os.environ)
    environment.pop("TUMBLER_STORE", None)
    base = os.environ.get("TUMBLER_TEST_STORE", "").strip()
    if not base or base == "sqlite":
        return environment
    if not base.startswith(("postgres://", "postgresql://")):
        pytest.fail("TUMBLER_TEST_STORE must be `sqlite` or a postgres:// URL")
    schema = f"tumbler_compat_{uuid.uuid4().hex}"
    created = subprocess.run(
        ["psql", base, "-v", "ON_ERROR_STOP=1", "-w", "-qc", f"CREATE SCHEMA {schema}"],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECS,
        check=False,
    )
    if created.returncode != 0:
        pytest.fail(f"could not create the store schema {schema}: {created.stderr}")
    separator = "&" if "?" in base else "?"
    environment["TUMBLER_STORE"] = f"{base}{separator}options[search_path]={schema}"
    return environment


class TumblerServer:
    """One `tumbler serve` process on a free loopback port with its own data directory."""

    def __init__(self, data_dir: Path, extra_args: tuple[str, ...] = ()):
        self.data_dir = data_dir
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None
        self.endpoint = ""
        self.access_key_id = ""
        self.secret_access_key = ""
        self.environment = _store_environment()

    def start(self) -> None:
        if not TUMBLER_BIN.exists():
            pytest.fail(f"{TUMBLER_BIN} is missing; build it with `cargo build -p tumbler`")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        stdout_path = self.data_dir.parent / f"{self.data_dir.name}.stdout.log"
        stderr_path = self.data_dir.parent / f"{self.data_dir.name}.stderr.log"
        command = [
            str(TUMBLER_BIN),
            "--data-dir",
            str(self.data_dir),
            "serve",
            "--listen",
            "127.0.0.1:0",
            *self.extra_args,
        ]
        with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                command, stdout=stdout, stderr=stderr, env=self.environment
            )
        self.endpoint = self._wait_for_serving_line(stdout_path, stderr_path)
        self._wait_for_health()
        self._read_admin_credentials()

    def _wait_for_serving_line(self, stdout_path: Path, stderr_path: Path) -> str:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECS
        while time.monotonic() < deadline:
            match = SERVING_LINE.search(stdout_path.read_text(errors="replace"))
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                pytest.fail(
                    f"tumbler serve exited with status {self.process.returncode} before "
                    f"listening; stderr:\n{stderr_path.read_text(errors='replace')}"
                )
            time.sleep(0.05)
        self.process.kill()
        pytest.fail(f"tumbler serve printed no listen address within {STARTUP_TIMEOUT_SECS} s")

    def _wait_for_health(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECS
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError) as error:
                last_error = error
            time.sleep(0.05)
        pytest.fail(f"GET {self.endpoint}/healthz did not return 200 in time: {last_error}")

    def _read_admin_credentials(self) -> None:
        parser = configparser.ConfigParser()
        parser.read(self.data_dir / "admin-credentials")
        self.access_key_id = parser["default"]["aws_access_key_id"]
        self.secret_access_key = parser["default"]["aws_secret_access_key"]

    def stop(self) -> int:
        """Send SIGTERM and return the exit status."""
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=SHUTDOWN_TIMEOUT_SECS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            pytest.fail(f"tumbler serve did not stop within {SHUTDOWN_TIMEOUT_SECS} s of SIGTERM")

    def client(self, access_key_id: str | None = None, secret_access_key: str | None = None):
        """Build a boto3 Secrets Manager client for this server, as the admin by default."""
        return boto3.session.Session().client(
            "secretsmanager",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=access_key_id or self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            config=Config(
                retries={"total_max_attempts": 1},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def tumbler_cli(self, *args: str) -> subprocess.CompletedProcess:
        """Run the tumbler command line on this server's data directory."""
        return subprocess.run(
            [str(TUMBLER_BIN), "--data-dir", str(self.data_dir), *args],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECS,
            check=False,
        )


class AwsCli:
    """Runs `aws secretsmanager ...` against one server and returns the parsed JSON output."""

    def __init__(self, server: TumblerServer):
        self.server = server
        venv_aws = Path(sys.executable).with_name("aws")
        self.executable = str(venv_aws) if venv_aws.exists() else shutil.which("aws")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        if self.executable is None:
            pytest.fail("the aws command line is not installed; run tests/compat/run.sh")
        environment = dict(os.environ)
        environment["AWS_ACCESS_KEY_ID"] = self.server.access_key_id
        environment["AWS_SECRET_ACCESS_KEY"] = self.server.secret_access_key
        command = [
            self.executable,
            "secretsmanager",
            *args,
            "--endpoint-url",
            self.server.endpoint,
            "--region",
            REGION,
            "--output",
            "json",
        ]
        result = subprocess.run(
            command,
            env=environment,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECS,
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(f"aws secretsmanager {args[0]} exited {result.returncode}: {result.stderr}")
        return result

    def json(self, *args: str) -> dict:
        output = self.run(*args).stdout
        return json.loads(output) if output.strip() else {}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The Tumbler server shared by tests that need no special configuration."""
    instance = TumblerServer(tmp_path_factory.mktemp("session") / "data")
    instance.start()
    yield instance
    status = instance.stop()
    assert status == 0, f"tumbler serve exited with status {status} after SIGTERM"


@pytest.fixture
def start_server(tmp_path):
    """Start extra servers, each with a fresh data directory; `prepare` runs before the start."""
    started: list[TumblerServer] = []

    def start(prepare=None, extra_args: tuple[str, ...] = ()) -> TumblerServer:
        instance = TumblerServer(tmp_path / f"data{len(started)}", extra_args)
        instance.data_dir.mkdir(parents=True)
        if prepare is not None:
            prepare(instance.data_dir)
        instance.start()
        started.append(instance)
        return instance

    yield start
    statuses = [instance.stop() for instance in started]
    assert statuses == [0] * len(started), f"exit statuses after SIGTERM: {statuses}"


@pytest.fixture(scope="session")
def sm(server):
    """A boto3 Secrets Manager client signed with the admin key of the shared server."""
    return server.client()


@pytest.fixture(scope="session")
def aws(server):
    return AwsCli(server)


@pytest.fixture
def unique():
    """A short random suffix that keeps names apart on the shared server."""
    return uuid.uuid4().hex[:10]
