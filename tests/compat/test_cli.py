"""The core secret life cycle through the aws command line (awscli v1)."""


def test_cli_core_flow(aws, unique):
    name = f"cli/{unique}"
    created = aws.json(
        "create-secret", "--name", name, "--secret-string", "cli-1", "--description", "from cli"
    )
    assert created["Name"] == name
    assert ":secret:" + name + "-" in created["ARN"]

    read = aws.json("get-secret-value", "--secret-id", name)
    assert read["SecretString"] == "cli-1"
    assert read["VersionId"] == created["VersionId"]

    put = aws.json("put-secret-value", "--secret-id", name, "--secret-string", "cli-2")
    assert put["VersionStages"] == ["AWSCURRENT"]
    assert aws.json("get-secret-value", "--secret-id", name)["SecretString"] == "cli-2"
    previous = aws.json("get-secret-value", "--secret-id", name, "--version-stage", "AWSPREVIOUS")
    assert previous["SecretString"] == "cli-1"

    described = aws.json("describe-secret", "--secret-id", created["ARN"])
    assert described["Description"] == "from cli"
    assert described["VersionIdsToStages"][put["VersionId"]] == ["AWSCURRENT"]

    listed = aws.json("list-secrets", "--filters", f"Key=name,Values={name}")
    assert [entry["Name"] for entry in listed["SecretList"]] == [name]

    deleted = aws.json(
        "delete-secret", "--secret-id", name, "--force-delete-without-recovery"
    )
    assert deleted["Name"] == name
    missing = aws.run("describe-secret", "--secret-id", name, check=False)
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr


def test_cli_error_exit_code(aws, unique):
    result = aws.run("get-secret-value", "--secret-id", f"cli/missing-{unique}", check=False)
    # awscli v1 exits 255 on a service error (v2 exits 254).
    assert result.returncode == 255
    assert "ResourceNotFoundException" in result.stderr
