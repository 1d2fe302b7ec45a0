"""Secret life cycle, idempotency and identifiers through boto3."""

import pytest
from botocore.exceptions import ClientError


def test_crud_round_trip(sm, unique):
    name = f"crud/{unique}"
    created = sm.create_secret(Name=name, SecretString="value-1", Description="first")
    assert created["Name"] == name
    assert created["ARN"].startswith(f"arn:aws:secretsmanager:us-east-1:000000000000:secret:{name}-")
    first_version = created["VersionId"]

    read = sm.get_secret_value(SecretId=name)
    assert read["SecretString"] == "value-1"
    assert read["VersionId"] == first_version
    assert read["VersionStages"] == ["AWSCURRENT"]

    put = sm.put_secret_value(SecretId=name, SecretString="value-2")
    second_version = put["VersionId"]
    assert second_version != first_version
    assert put["VersionStages"] == ["AWSCURRENT"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "value-2"
    previous = sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
    assert previous["SecretString"] == "value-1"
    assert previous["VersionId"] == first_version

    updated = sm.update_secret(SecretId=name, SecretString="value-3", Description="second")
    third_version = updated["VersionId"]
    assert third_version not in (first_version, second_version)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "value-3"

    described = sm.describe_secret(SecretId=name)
    assert described["ARN"] == created["ARN"]
    assert described["Description"] == "second"
    assert described["VersionIdsToStages"] == {
        second_version: ["AWSPREVIOUS"],
        third_version: ["AWSCURRENT"],
    }
    assert "DeletedDate" not in described

    listed = sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}])["SecretList"]
    assert [entry["Name"] for entry in listed] == [name]
    assert "SecretString" not in listed[0]

    deleted = sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    assert deleted["ARN"] == created["ARN"]
    assert "DeletionDate" in deleted
    assert "DeletedDate" in sm.describe_secret(SecretId=name)
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.get_secret_value(SecretId=name)
    hidden = sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}])["SecretList"]
    assert hidden == []

    restored = sm.restore_secret(SecretId=name)
    assert restored["ARN"] == created["ARN"]
    assert "DeletedDate" not in sm.describe_secret(SecretId=name)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "value-3"

    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.describe_secret(SecretId=name)


def test_create_same_token_replays(sm, unique):
    name = f"app/db-{unique}"
    token_1 = f"t1-{unique}-0000000000000000000000"
    token_2 = f"t2-{unique}-0000000000000000000000"

    first = sm.create_secret(Name=name, SecretString="v1", ClientRequestToken=token_1)
    assert first["VersionId"] == token_1

    replay = sm.create_secret(Name=name, SecretString="v1", ClientRequestToken=token_1)
    assert replay["ARN"] == first["ARN"]
    assert replay["VersionId"] == token_1
    versions = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]
    assert [version["VersionId"] for version in versions] == [token_1]

    with pytest.raises(sm.exceptions.ResourceExistsException) as raised:
        sm.create_secret(Name=name, SecretString="v1", ClientRequestToken=token_2)
    assert f"secret {name} already exists" in raised.value.response["Error"]["Message"]


def test_put_reused_token_conflicts(sm, unique):
    name = f"app/db-{unique}"
    token = f"t1-{unique}-0000000000000000000000"
    sm.create_secret(Name=name, SecretString="v1", ClientRequestToken=token)
    with pytest.raises(sm.exceptions.ResourceExistsException):
        sm.put_secret_value(SecretId=name, SecretString="other", ClientRequestToken=token)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v1"


def test_put_missing_secret_not_created(sm, unique):
    name = f"does/not/exist-{unique}"
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.put_secret_value(SecretId=name, SecretString="x")
    listed = sm.list_secrets(
        Filters=[{"Key": "name", "Values": [name]}], IncludePlannedDeletion=True
    )["SecretList"]
    assert listed == []


def test_partial_arn_lookup(sm, unique):
    name = f"app/db-partial-{unique}"
    arn = sm.create_secret(Name=name, SecretString="by-arn")["ARN"]
    partial_arn = arn[: -len("-AbC123")]
    assert partial_arn.endswith(f":secret:{name}")

    assert sm.get_secret_value(SecretId=name)["SecretString"] == "by-arn"
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "by-arn"
    assert sm.get_secret_value(SecretId=partial_arn)["SecretString"] == "by-arn"
    wrong_suffix = "ZzZ999" if not arn.endswith("ZzZ999") else "YyY888"
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.get_secret_value(SecretId=f"{partial_arn}-{wrong_suffix}")


def test_name_with_suffix_shape(sm, unique):
    # A name that ends in "-" and six characters makes its partial ARN look
    # like a full one, so a lookup by that ARN may miss. The name itself
    # always resolves.
    name = f"app{unique[:4]}-config"
    arn = sm.create_secret(Name=name, SecretString="cfg")["ARN"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "cfg"
    partial_arn = arn[: -len("-AbC123")]
    try:
        value = sm.get_secret_value(SecretId=partial_arn)["SecretString"]
    except sm.exceptions.ResourceNotFoundException:
        value = None
    assert value in ("cfg", None)


def test_tag_and_untag(sm, unique):
    name = f"tags/{unique}"
    sm.create_secret(Name=name, SecretString="x")
    assert "Tags" not in sm.describe_secret(SecretId=name)

    sm.tag_resource(
        SecretId=name,
        Tags=[{"Key": "team", "Value": "core"}, {"Key": "env", "Value": "dev"}],
    )
    sm.tag_resource(SecretId=name, Tags=[{"Key": "env", "Value": "prod"}])
    tags = {tag["Key"]: tag["Value"] for tag in sm.describe_secret(SecretId=name)["Tags"]}
    assert tags == {"team": "core", "env": "prod"}

    sm.untag_resource(SecretId=name, TagKeys=["team", "not-there"])
    assert sm.describe_secret(SecretId=name)["Tags"] == [{"Key": "env", "Value": "prod"}]

    sm.untag_resource(SecretId=name, TagKeys=["env"])
    assert sm.describe_secret(SecretId=name)["Tags"] == []

    listed = sm.list_secrets(Filters=[{"Key": "tag-key", "Values": ["env"]}])["SecretList"]
    assert name not in [entry["Name"] for entry in listed]


def test_random_password_rules(sm):
    excluded = "abcdefABCDEF0123!@#"
    password = sm.get_random_password(PasswordLength=40, ExcludeCharacters=excluded)[
        "RandomPassword"
    ]
    assert len(password) == 40
    assert not set(password) & set(excluded)
    assert any(character.islower() for character in password)
    assert any(character.isupper() for character in password)
    assert any(character.isdigit() for character in password)
    assert any(not character.isalnum() for character in password)
    assert " " not in password


def test_random_password_letters_only(sm):
    password = sm.get_random_password(
        PasswordLength=64, ExcludeNumbers=True, ExcludePunctuation=True
    )["RandomPassword"]
    assert len(password) == 64
    assert password.isalpha()


def test_random_password_too_short(sm):
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.get_random_password(PasswordLength=3)


def test_validation_error_code(sm):
    with pytest.raises(ClientError) as raised:
        sm.create_secret(Name="bad name*", SecretString="x")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
