"""ListSecrets and ListSecretVersionIds paging through boto3 paginators, and list filters."""

import pytest
from botocore.paginate import Paginator

from conftest import AwsCli

# botocore 1.43 ships a paginator for ListSecrets only. This is the same
# configuration shape, so ListSecretVersionIds pages through botocore's own
# paging code as well.
VERSION_IDS_PAGING = {
    "input_token": "NextToken",
    "output_token": "NextToken",
    "limit_key": "MaxResults",
    "result_key": "Versions",
}


@pytest.fixture
def empty_server(start_server):
    """A server of its own, so listings contain only what the test creates."""
    return start_server()


def test_list_secrets_paginator(empty_server):
    client = empty_server.client()
    names = [f"page/secret-{index:02}" for index in range(10)]
    for name in names:
        client.create_secret(Name=name, SecretString="x")

    pages = list(
        client.get_paginator("list_secrets").paginate(PaginationConfig={"PageSize": 3})
    )
    sizes = [len(page["SecretList"]) for page in pages]
    assert sizes == [3, 3, 3, 1]
    assert all("NextToken" in page for page in pages[:-1])
    assert "NextToken" not in pages[-1]
    seen = [entry["Name"] for page in pages for entry in page["SecretList"]]
    assert sorted(seen) == names


def test_list_secrets_manual_pages(empty_server):
    client = empty_server.client()
    for index in range(10):
        client.create_secret(Name=f"manual/secret-{index:02}", SecretString="x")

    seen: list[str] = []
    request: dict = {"MaxResults": 3}
    for _ in range(20):
        page = client.list_secrets(**request)
        assert len(page["SecretList"]) <= 3
        seen.extend(entry["Name"] for entry in page["SecretList"])
        if "NextToken" not in page:
            break
        request["NextToken"] = page["NextToken"]
    assert len(seen) == 10
    assert len(set(seen)) == 10


def test_version_ids_paginator(sm, unique):
    name = f"page/versions-{unique}"
    created = sm.create_secret(Name=name, SecretString="v0")
    expected = [created["VersionId"]]
    for index in range(1, 7):
        expected.append(sm.put_secret_value(SecretId=name, SecretString=f"v{index}")["VersionId"])

    paginator = Paginator(
        sm.list_secret_version_ids,
        VERSION_IDS_PAGING,
        sm.meta.service_model.operation_model("ListSecretVersionIds"),
    )
    pages = list(
        paginator.paginate(SecretId=name, IncludeDeprecated=True, PaginationConfig={"PageSize": 2})
    )
    assert [len(page["Versions"]) for page in pages] == [2, 2, 2, 1]
    seen = [version["VersionId"] for page in pages for version in page["Versions"]]
    assert sorted(seen) == sorted(expected)

    labelled = sm.list_secret_version_ids(SecretId=name)["Versions"]
    stages = {version["VersionId"]: version["VersionStages"] for version in labelled}
    assert stages == {expected[-2]: ["AWSPREVIOUS"], expected[-1]: ["AWSCURRENT"]}


def test_list_filters(empty_server):
    client = empty_server.client()
    for name in ("prod/db", "app/prod", "ThisTestSecret", "RealSecret"):
        client.create_secret(Name=name, SecretString="x")

    def names(filters):
        return sorted(entry["Name"] for entry in client.list_secrets(Filters=filters)["SecretList"])

    assert names([{"Key": "name", "Values": ["prod"]}]) == ["prod/db"]
    assert names([{"Key": "name", "Values": ["Prod"]}]) == []
    assert names([{"Key": "name", "Values": ["!prod"]}]) == ["RealSecret", "ThisTestSecret", "app/prod"]
    matched_all = names([{"Key": "all", "Values": ["test"]}])
    assert "ThisTestSecret" in matched_all
    assert "RealSecret" not in matched_all


def test_list_description_filter(empty_server):
    client = empty_server.client()
    descriptions = {"d/1": "a secret", "d/2": "an secret", "d/3": "asecret", "d/4": "thesecret"}
    for name, description in descriptions.items():
        client.create_secret(Name=name, SecretString="x", Description=description)

    def names(values):
        filters = [{"Key": "description", "Values": values}]
        return sorted(entry["Name"] for entry in client.list_secrets(Filters=filters)["SecretList"])

    assert names(["a"]) == ["d/1", "d/2", "d/3"]
    assert names(["a secret"]) == ["d/1", "d/2"]
    assert names(["!a"]) == ["d/4"]


def test_cli_list_page_size(empty_server):
    client = empty_server.client()
    names = [f"cli-page/secret-{index:02}" for index in range(7)]
    for name in names:
        client.create_secret(Name=name, SecretString="x")

    # The CLI follows NextToken itself and merges the pages.
    listed = AwsCli(empty_server).json("list-secrets", "--page-size", "3")
    assert sorted(entry["Name"] for entry in listed["SecretList"]) == names

    first = AwsCli(empty_server).json("list-secrets", "--max-items", "4", "--page-size", "3")
    assert len(first["SecretList"]) == 4
    assert "NextToken" in first
    rest = AwsCli(empty_server).json(
        "list-secrets", "--page-size", "3", "--starting-token", first["NextToken"]
    )
    seen = [entry["Name"] for entry in first["SecretList"] + rest["SecretList"]]
    assert sorted(seen) == names
