"""Errors arrive as the exception classes that boto3 generates from the service model."""

import pytest
from botocore.exceptions import ClientError


def error_of(raised) -> tuple[str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_missing_secret_not_found(sm, unique):
    with pytest.raises(sm.exceptions.ResourceNotFoundException) as raised:
        sm.get_secret_value(SecretId=f"missing/{unique}")
    assert error_of(raised) == ("ResourceNotFoundException", 400)
    assert "can't find the specified secret" in raised.value.response["Error"]["Message"]


def test_duplicate_name_exists(sm, unique):
    name = f"errors/dup-{unique}"
    sm.create_secret(Name=name, SecretString="x")
    with pytest.raises(sm.exceptions.ResourceExistsException) as raised:
        sm.create_secret(Name=name, SecretString="y")
    assert error_of(raised) == ("ResourceExistsException", 400)


def test_deleted_secret_invalid_request(sm, unique):
    name = f"errors/deleted-{unique}"
    sm.create_secret(Name=name, SecretString="x")
    sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    with pytest.raises(sm.exceptions.InvalidRequestException) as raised:
        sm.put_secret_value(SecretId=name, SecretString="y")
    assert error_of(raised) == ("InvalidRequestException", 400)


def test_recovery_window_invalid_parameter(sm, unique):
    name = f"errors/window-{unique}"
    sm.create_secret(Name=name, SecretString="x")
    with pytest.raises(sm.exceptions.InvalidParameterException) as raised:
        sm.delete_secret(SecretId=name, RecoveryWindowInDays=3)
    assert error_of(raised) == ("InvalidParameterException", 400)
    assert "DeletedDate" not in sm.describe_secret(SecretId=name)


def test_window_and_force_invalid_parameter(sm, unique):
    name = f"errors/both-{unique}"
    sm.create_secret(Name=name, SecretString="x")
    with pytest.raises(sm.exceptions.InvalidParameterException):
        sm.delete_secret(SecretId=name, RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True)


def test_unknown_version_not_found(sm, unique):
    name = f"errors/version-{unique}"
    sm.create_secret(Name=name, SecretString="x")
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.get_secret_value(SecretId=name, VersionId="0" * 32)
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")


def test_invalid_name_validation(sm, unique):
    with pytest.raises(ClientError) as raised:
        sm.describe_secret(SecretId=f"bad?name-{unique}")
    assert error_of(raised) == ("ValidationException", 400)


def test_list_max_results_validation(sm):
    with pytest.raises(ClientError) as raised:
        sm.list_secrets(MaxResults=101)
    assert error_of(raised) == ("ValidationException", 400)


def test_list_bad_token(sm):
    with pytest.raises(sm.exceptions.InvalidNextTokenException):
        sm.list_secrets(NextToken="garbage")


def test_list_bogus_filter_key(sm):
    with pytest.raises(ClientError) as raised:
        sm.list_secrets(Filters=[{"Key": "bogus", "Values": ["x"]}])
    assert error_of(raised) == ("ValidationException", 400)
