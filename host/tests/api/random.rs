//! GetRandomPassword.

use crate::support::{TestServer, service_error};

#[tokio::test]
async fn excluded_characters_keep_the_length() {
    let server = TestServer::start().await;
    let excluded = "/@\"'\\";
    for _ in 0..200 {
        let output = server
            .client
            .get_random_password()
            .password_length(120)
            .exclude_characters(excluded)
            .send()
            .await
            .expect("GetRandomPassword");
        let password = output.random_password().expect("RandomPassword");
        assert_eq!(password.chars().count(), 120);
        assert!(
            !password.contains(|c| excluded.contains(c)),
            "no excluded character"
        );
        assert!(
            password.chars().any(|c| c.is_ascii_lowercase()),
            "has a lowercase letter"
        );
        assert!(
            password.chars().any(|c| c.is_ascii_uppercase()),
            "has an uppercase letter"
        );
        assert!(password.chars().any(|c| c.is_ascii_digit()), "has a digit");
        assert!(
            password.chars().any(|c| c.is_ascii_punctuation()),
            "has punctuation"
        );
    }
}

#[tokio::test]
async fn defaults_and_limits() {
    let server = TestServer::start().await;
    let client = &server.client;
    let output = client.get_random_password().send().await.expect("defaults");
    assert_eq!(output.random_password().unwrap().chars().count(), 32);

    let digits = client
        .get_random_password()
        .password_length(16)
        .exclude_lowercase(true)
        .exclude_uppercase(true)
        .exclude_punctuation(true)
        .send()
        .await
        .unwrap();
    assert!(
        digits
            .random_password()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );

    let (code, _) = service_error(
        client
            .get_random_password()
            .password_length(4097)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    let (code, _) = service_error(client.get_random_password().password_length(0).send().await);
    assert_eq!(code, "ValidationException");
}
