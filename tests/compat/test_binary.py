"""SecretBinary round trips through boto3, the aws CLI and the raw JSON body."""

import base64
import json

BLOB = bytes(range(256))


def test_binary_round_trip_boto3(sm, unique):
    name = f"app/bin-{unique}"
    sm.create_secret(Name=name, SecretBinary=BLOB)
    read = sm.get_secret_value(SecretId=name)
    assert read["SecretBinary"] == BLOB
    assert "SecretString" not in read


def test_binary_wire_single_base64(sm, unique):
    name = f"app/bin-wire-{unique}"
    sm.create_secret(Name=name, SecretBinary=BLOB)

    bodies: list[bytes] = []

    def capture(http_response, **_):
        bodies.append(http_response.content)

    event = "after-call.secrets-manager.GetSecretValue"
    sm.meta.events.register(event, capture)
    try:
        sm.get_secret_value(SecretId=name)
    finally:
        sm.meta.events.unregister(event, capture)

    assert len(bodies) == 1
    body = json.loads(bodies[0])
    assert body["SecretBinary"] == base64.b64encode(BLOB).decode("ascii")
    assert "SecretString" not in body


def test_binary_round_trip_cli(aws, sm, unique, tmp_path):
    name = f"app/bin-cli-{unique}"
    blob_path = tmp_path / "blob.bin"
    blob_path.write_bytes(BLOB)
    aws.json("create-secret", "--name", name, "--secret-binary", f"fileb://{blob_path}")

    read = aws.json("get-secret-value", "--secret-id", name)
    assert base64.b64decode(read["SecretBinary"]) == BLOB
    assert "SecretString" not in read

    reversed_blob = BLOB[::-1]
    blob_path.write_bytes(reversed_blob)
    aws.json("put-secret-value", "--secret-id", name, "--secret-binary", f"fileb://{blob_path}")
    assert sm.get_secret_value(SecretId=name)["SecretBinary"] == reversed_blob
    read = aws.json("get-secret-value", "--secret-id", name)
    assert base64.b64decode(read["SecretBinary"]) == reversed_blob
