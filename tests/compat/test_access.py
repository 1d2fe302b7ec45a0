"""Access keys limited by an identity policy, as a boto3 caller sees them."""

import json

import pytest
from botocore.exceptions import ClientError

READ_PROD_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "arn:aws:secretsmanager:*:*:secret:prod/*",
        }
    ],
}


@pytest.fixture
def reader(server, unique):
    """A boto3 client signed with a key that may only read secrets under prod/."""
    created = server.tumbler_cli(
        "--output",
        "json",
        "access-key",
        "create",
        "--name",
        f"reader-{unique}",
        "--policy",
        json.dumps(READ_PROD_POLICY),
    )
    assert created.returncode == 0, f"tumbler access-key create failed: {created.stderr}"
    key = json.loads(created.stdout)["AccessKey"]
    return server.client(key["AccessKeyId"], key["SecretAccessKey"])


def error_code(raised) -> str:
    return raised.value.response["Error"]["Code"]


def test_limited_key_reads_prod(sm, reader, unique):
    sm.create_secret(Name=f"prod/db-{unique}", SecretString="prod-value")
    assert reader.get_secret_value(SecretId=f"prod/db-{unique}")["SecretString"] == "prod-value"


def test_limited_key_denied_dev(sm, reader, unique):
    sm.create_secret(Name=f"dev/db-{unique}", SecretString="dev-value")
    with pytest.raises(ClientError) as raised:
        reader.get_secret_value(SecretId=f"dev/db-{unique}")
    assert error_code(raised) == "AccessDeniedException"
    assert "dev-value" not in str(raised.value)


def test_limited_key_denied_put(sm, reader, unique):
    name = f"prod/db-put-{unique}"
    sm.create_secret(Name=name, SecretString="prod-value")
    with pytest.raises(ClientError) as raised:
        reader.put_secret_value(SecretId=name, SecretString="changed")
    assert error_code(raised) == "AccessDeniedException"
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "prod-value"


def test_wrong_secret_key_rejected(server):
    client = server.client(server.access_key_id, "not-the-secret-access-key")
    with pytest.raises(ClientError) as raised:
        client.list_secrets()
    assert error_code(raised) == "InvalidSignatureException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_unknown_key_rejected(server):
    client = server.client("TKIAUNKNOWNKEY000000", "not-the-secret-access-key")
    with pytest.raises(ClientError) as raised:
        client.list_secrets()
    assert error_code(raised) == "UnrecognizedClientException"
