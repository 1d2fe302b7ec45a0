//! ListSecrets paging and filters, ListSecretVersionIds.

use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SortOrderType};

use crate::support::{TestServer, create_text_secret, service_error};

#[tokio::test]
async fn list_secrets_pages_with_max_results() {
    let server = TestServer::start().await;
    let client = &server.client;
    for index in 0..10 {
        client
            .create_secret()
            .name(format!("secret-{index:02}"))
            .send()
            .await
            .unwrap();
    }

    let mut seen = Vec::new();
    let mut next_token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client
            .list_secrets()
            .max_results(3)
            .set_next_token(next_token.clone())
            .send()
            .await
            .expect("ListSecrets page");
        pages += 1;
        assert!(
            page.secret_list().len() <= 3,
            "page {pages} has at most 3 entries"
        );
        seen.extend(
            page.secret_list()
                .iter()
                .map(|s| s.name().unwrap().to_owned()),
        );
        match page.next_token() {
            Some(token) => next_token = Some(token.to_owned()),
            None => break,
        }
        assert!(pages < 10, "paging ends");
    }
    assert_eq!(pages, 4);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 10, "each secret seen exactly once: {seen:?}");
    assert_eq!(seen.len(), 10);

    let pages: Vec<_> = client
        .list_secrets()
        .max_results(3)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginator");
    let listed: usize = pages.iter().map(|page| page.secret_list().len()).sum();
    assert_eq!(pages.len(), 4, "the SDK paginator follows NextToken");
    assert_eq!(listed, 10, "the SDK paginator yields every secret");

    let (code, message) = service_error(client.list_secrets().max_results(101).send().await);
    assert_eq!(code, "ValidationException");
    assert!(message.contains("maxResults"), "{message}");

    let (code, _) = service_error(client.list_secrets().next_token("garbage").send().await);
    assert_eq!(code, "InvalidNextTokenException");
}

#[tokio::test]
async fn list_secrets_filters_match_aws_semantics() {
    let server = TestServer::start().await;
    let client = &server.client;
    for name in ["prod/db", "app/prod", "ThisTestSecret", "RealSecret"] {
        client.create_secret().name(name).send().await.unwrap();
    }
    let names = |filter: Filter| async {
        let output = client
            .list_secrets()
            .filters(filter)
            .send()
            .await
            .expect("ListSecrets");
        let mut names: Vec<String> = output
            .secret_list()
            .iter()
            .map(|s| s.name().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };

    let by_name = Filter::builder()
        .key(FilterNameStringType::Name)
        .values("prod")
        .build();
    assert_eq!(names(by_name).await, ["prod/db"]);

    let all = Filter::builder()
        .key(FilterNameStringType::All)
        .values("test")
        .build();
    assert_eq!(names(all).await, ["ThisTestSecret"]);

    let negated = Filter::builder()
        .key(FilterNameStringType::Name)
        .values("!prod")
        .build();
    assert_eq!(
        names(negated).await,
        ["RealSecret", "ThisTestSecret", "app/prod"]
    );

    let bogus = Filter::builder()
        .key(FilterNameStringType::from("bogus"))
        .values("x")
        .build();
    let (code, message) = service_error(client.list_secrets().filters(bogus).send().await);
    assert_eq!(code, "ValidationException");
    assert!(message.contains("filters.1.member.key"), "{message}");
}

#[tokio::test]
async fn list_secrets_filters_description_and_tags() {
    let server = TestServer::start().await;
    let client = &server.client;
    let tag = |key: &str, value: &str| {
        aws_sdk_secretsmanager::types::Tag::builder()
            .key(key)
            .value(value)
            .build()
    };
    client
        .create_secret()
        .name("one")
        .description("a secret")
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    client
        .create_secret()
        .name("two")
        .description("thesecret")
        .tags(tag("env", "dev"))
        .send()
        .await
        .unwrap();

    let run = |key: FilterNameStringType, value: &str| {
        let filter = Filter::builder().key(key).values(value).build();
        async move {
            let output = client.list_secrets().filters(filter).send().await.unwrap();
            let mut names: Vec<String> = output
                .secret_list()
                .iter()
                .map(|s| s.name().unwrap().to_owned())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(run(FilterNameStringType::Description, "a").await, ["one"]);
    assert_eq!(run(FilterNameStringType::Description, "!a").await, ["two"]);
    assert_eq!(
        run(FilterNameStringType::TagKey, "env").await,
        ["one", "two"]
    );
    assert_eq!(run(FilterNameStringType::TagValue, "prod").await, ["one"]);
    assert!(
        run(FilterNameStringType::PrimaryRegion, "us")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn list_secrets_orders_and_hides_deleted() {
    let server = TestServer::start().await;
    let client = &server.client;
    for name in ["first", "second", "third"] {
        client.create_secret().name(name).send().await.unwrap();
    }
    client
        .delete_secret()
        .secret_id("second")
        .send()
        .await
        .unwrap();

    let ascending = client.list_secrets().send().await.unwrap();
    let names: Vec<_> = ascending
        .secret_list()
        .iter()
        .map(|s| s.name().unwrap())
        .collect();
    assert_eq!(names, ["first", "third"], "oldest first, deleted hidden");

    let descending = client
        .list_secrets()
        .sort_order(SortOrderType::Desc)
        .include_planned_deletion(true)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = descending
        .secret_list()
        .iter()
        .map(|s| s.name().unwrap())
        .collect();
    assert_eq!(names, ["third", "second", "first"]);
}

#[tokio::test]
async fn list_secret_version_ids_pages_and_deprecated() {
    let server = TestServer::start().await;
    let client = &server.client;
    create_text_secret(&client, "app/db", "v1").await;
    for value in ["v2", "v3", "v4"] {
        client
            .put_secret_value()
            .secret_id("app/db")
            .secret_string(value)
            .send()
            .await
            .unwrap();
    }

    let labelled = client
        .list_secret_version_ids()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    assert_eq!(
        labelled.versions().len(),
        2,
        "AWSCURRENT and AWSPREVIOUS only"
    );
    assert_eq!(labelled.name(), Some("app/db"));
    assert!(labelled.arn().is_some());

    let all = client
        .list_secret_version_ids()
        .secret_id("app/db")
        .include_deprecated(true)
        .send()
        .await
        .unwrap();
    assert_eq!(all.versions().len(), 4);
    let deprecated = all
        .versions()
        .iter()
        .filter(|v| v.version_stages().is_empty())
        .count();
    assert_eq!(deprecated, 2);

    let first = client
        .list_secret_version_ids()
        .secret_id("app/db")
        .include_deprecated(true)
        .max_results(3)
        .send()
        .await
        .unwrap();
    assert_eq!(first.versions().len(), 3);
    let second = client
        .list_secret_version_ids()
        .secret_id("app/db")
        .include_deprecated(true)
        .max_results(3)
        .next_token(first.next_token().expect("NextToken"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.versions().len(), 1);
    assert_eq!(second.next_token(), None);

    let (code, _) = service_error(
        client
            .list_secret_version_ids()
            .secret_id("app/db")
            .next_token("garbage")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidNextTokenException");
    let (code, _) = service_error(
        client
            .list_secret_version_ids()
            .secret_id("missing")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
}
