"""Create or list secrets on a loopback Secrets Manager endpoint with boto3, for tests/bench/api.sh.

    secrets.py create --endpoint URL --name bench/secret --value V
    secrets.py create --endpoint URL --name bench/many --count 10000
    secrets.py list --endpoint URL

Credentials come from --credentials-file ([default] profile) or else from
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. The caller isolates the AWS
environment (config files, instance metadata); this script only talks to
--endpoint, which must be a loopback address.
"""

import argparse
import configparser
import os
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

READY_TIMEOUT_SECS = 30
MAX_COUNT = 100_000
MAX_LIST_PAGES = 2_000


def client_for(args):
    host = urllib.parse.urlparse(args.endpoint).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"--endpoint must be a loopback address, got {args.endpoint}")
    if args.credentials_file:
        profile = configparser.ConfigParser()
        profile.read(args.credentials_file)
        access_key_id = profile["default"]["aws_access_key_id"]
        secret_access_key = profile["default"]["aws_secret_access_key"]
    else:
        access_key_id = os.environ.get("AWS_ACCESS_KEY_ID", "test")
        secret_access_key = os.environ.get("AWS_SECRET_ACCESS_KEY", "test")
    return boto3.session.Session().client(
        "secretsmanager",
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=args.threads),
    )


def wait_until_ready(client):
    """Retry ListSecrets until the server accepts connections or the timeout passes."""
    deadline = time.monotonic() + READY_TIMEOUT_SECS
    while True:
        try:
            client.list_secrets(MaxResults=1)
            return
        except EndpointConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def create(args):
    if not 1 <= args.count <= MAX_COUNT:
        sys.exit(f"--count must be between 1 and {MAX_COUNT}, got {args.count}")
    client = client_for(args)
    wait_until_ready(client)
    if args.count == 1:
        names = [args.name]
    else:
        names = [f"{args.name}/{index:06}" for index in range(args.count)]

    def create_one(name):
        client.create_secret(Name=name, SecretString=args.value)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        for _ in pool.map(create_one, names):
            pass
    elapsed = time.monotonic() - started
    print(f"created {len(names)} secrets in {elapsed:.1f} s", file=sys.stderr)


def list_all(args):
    client = client_for(args)
    wait_until_ready(client)
    count = 0
    paginator = client.get_paginator("list_secrets")
    pages = paginator.paginate(PaginationConfig={"PageSize": 100, "MaxItems": MAX_COUNT})
    for page_number, page in enumerate(pages):
        if page_number >= MAX_LIST_PAGES:
            sys.exit(f"ListSecrets returned more than {MAX_LIST_PAGES} pages")
        count += len(page["SecretList"])
    print(count)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["create", "list"])
    parser.add_argument("--endpoint", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--credentials-file", help="AWS credentials file with a [default] profile")
    parser.add_argument("--name", default="bench/secret", help="secret name, or name prefix with --count")
    parser.add_argument("--value", default="bench-value-0123456789", help="SecretString of each secret")
    parser.add_argument("--count", type=int, default=1, help="number of secrets to create")
    parser.add_argument("--threads", type=int, default=8, help="concurrent CreateSecret calls")
    args = parser.parse_args()
    if args.command == "create":
        create(args)
    else:
        list_all(args)


if __name__ == "__main__":
    main()
