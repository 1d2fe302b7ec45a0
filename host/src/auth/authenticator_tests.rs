use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use axum::http::Request;

use super::*;
use crate::auth::keys::NewAccessKey;
use crate::crypto::Keyring;
use crate::store::SqliteStore;

const ACCOUNT: &str = "000000000000";
const BODY: &[u8] = br#"{"SecretId":"prod/db"}"#;
const PROD_DB: &str = "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbC123";
const DEV_DB: &str = "arn:aws:secretsmanager:us-east-1:000000000000:secret:dev/db-XyZ789";

async fn setup(dev: bool) -> (AccessKeys, SigV4Authenticator) {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let keyring = Keyring::from_key("test-kek", [9u8; crate::crypto::KEY_LEN]);
    let keys = AccessKeys::new(Arc::new(store), Arc::new(keyring));
    let authenticator = SigV4Authenticator::new(keys.clone(), ACCOUNT, dev);
    (keys, authenticator)
}

/// Signs a request now with the AWS Rust SDK's signer.
fn signed(key_id: &str, secret: &str, body: &[u8]) -> Parts {
    signed_for_region(key_id, secret, body, "us-east-1")
}

/// Signs a request now for `region` with the AWS Rust SDK's signer.
fn signed_for_region(key_id: &str, secret: &str, body: &[u8], region: &str) -> Parts {
    let uri = "http://127.0.0.1:4566/";
    let mut request = Request::builder()
        .method("POST")
        .uri(uri)
        .header("host", "127.0.0.1:4566")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "secretsmanager.GetSecretValue")
        .body(body.to_vec())
        .unwrap();
    let identity = Credentials::new(key_id, secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("secretsmanager")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let signable = SignableRequest::new(
        "POST",
        uri,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions.apply_to_request_http1x(&mut request);
    request.into_parts().0
}

async fn create_key(keys: &AccessKeys, name: &str, policy: Option<&str>) -> (String, String) {
    let created = keys
        .create(NewAccessKey {
            name: Some(name.to_owned()),
            policy: policy.map(str::to_owned),
            ..NewAccessKey::default()
        })
        .await
        .unwrap();
    (
        created.record.id.clone(),
        created.secret_access_key.to_string(),
    )
}

#[tokio::test]
async fn valid_signature_authenticates_key() {
    let (keys, authenticator) = setup(false).await;
    let (id, secret) = create_key(&keys, "app", None).await;

    let caller = authenticator
        .authenticate(&signed(&id, &secret, BODY), BODY)
        .await
        .unwrap();
    assert_eq!(caller.principal_arn, "arn:aws:iam::000000000000:user/app");
    assert_eq!(caller.account, ACCOUNT);
    assert_eq!(caller.access_key_id.as_deref(), Some(id.as_str()));

    let record = keys.store().get_access_key(&id).await.unwrap().unwrap();
    assert!(record.last_used_at.is_some(), "the last use is recorded");
}

#[tokio::test]
async fn unknown_key_is_unrecognized() {
    let (_, authenticator) = setup(false).await;
    let error = authenticator
        .authenticate(&signed("TKIAUNKNOWNUNKNOWN00", "secret", BODY), BODY)
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "UnrecognizedClientException");
    assert_eq!(
        error.message,
        "The security token included in the request is invalid."
    );
    assert_eq!(error.status, 400);
}

#[tokio::test]
async fn deleted_key_fails_immediately() {
    let (keys, authenticator) = setup(false).await;
    let (id, secret) = create_key(&keys, "app", None).await;
    assert!(
        authenticator
            .authenticate(&signed(&id, &secret, BODY), BODY)
            .await
            .is_ok()
    );

    keys.delete(&id).await.unwrap();
    let error = authenticator
        .authenticate(&signed(&id, &secret, BODY), BODY)
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "UnrecognizedClientException");
}

#[tokio::test]
async fn wrong_secret_is_invalid_signature() {
    let (keys, authenticator) = setup(false).await;
    let (id, _) = create_key(&keys, "app", None).await;
    let error = authenticator
        .authenticate(&signed(&id, "wrong-secret", BODY), BODY)
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "InvalidSignatureException");
    assert_eq!(
        error.message,
        crate::auth::error::SIGNATURE_MISMATCH_MESSAGE
    );
}

#[tokio::test]
async fn dev_credentials_only_in_dev_mode() {
    let (_, production) = setup(false).await;
    let error = production
        .authenticate(&signed("test", "test", BODY), BODY)
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "UnrecognizedClientException");

    let (_, dev) = setup(true).await;
    let caller = dev
        .authenticate(&signed("test", "test", BODY), BODY)
        .await
        .unwrap();
    assert_eq!(caller.principal_arn, "arn:aws:iam::000000000000:user/test");
    let allowed = dev
        .authorize(
            &caller,
            "secretsmanager:DeleteSecret",
            PROD_DB,
            None,
            &AuthContext::default(),
        )
        .await;
    assert!(allowed.is_ok(), "the dev key is an administrator");

    let wrong = dev
        .authenticate(&signed("test", "nope", BODY), BODY)
        .await
        .unwrap_err();
    assert_eq!(wrong.error_type, "InvalidSignatureException");
}

#[tokio::test]
async fn prod_only_policy_through_authenticator() {
    let (keys, authenticator) = setup(false).await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:*:secret:prod/*"}]}"#;
    let (id, secret) = create_key(&keys, "reader", Some(policy)).await;
    let caller = authenticator
        .authenticate(&signed(&id, &secret, BODY), BODY)
        .await
        .unwrap();
    let context = AuthContext::default();

    let get = "secretsmanager:GetSecretValue";
    assert!(
        authenticator
            .authorize(&caller, get, PROD_DB, None, &context)
            .await
            .is_ok()
    );

    let error = authenticator
        .authorize(&caller, get, DEV_DB, None, &context)
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "AccessDeniedException");
    assert_eq!(
        error.message,
        format!(
            "User: arn:aws:iam::000000000000:user/reader is not authorized to perform: {get} \
             on resource: {DEV_DB} because no identity-based policy allows the {get} action"
        )
    );

    let put = "secretsmanager:PutSecretValue";
    let error = authenticator
        .authorize(&caller, put, PROD_DB, None, &context)
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "AccessDeniedException");
}

#[tokio::test]
async fn resource_policy_deny_beats_identity_allow() {
    let (keys, authenticator) = setup(false).await;
    let allow_all =
        r#"{"Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]}"#;
    let (id, secret) = create_key(&keys, "app", Some(allow_all)).await;
    let caller = authenticator
        .authenticate(&signed(&id, &secret, BODY), BODY)
        .await
        .unwrap();
    let deny = r#"{"Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/app"},
        "Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;

    let get = "secretsmanager:GetSecretValue";
    let context = AuthContext::default();
    let error = authenticator
        .authorize(&caller, get, PROD_DB, Some(deny), &context)
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "AccessDeniedException");
    assert!(
        error
            .message
            .ends_with("with an explicit deny in a resource-based policy"),
        "{}",
        error.message
    );
    assert!(
        authenticator
            .authorize(&caller, get, PROD_DB, None, &context)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn request_keys_reach_conditions() {
    let (keys, authenticator) = setup(false).await;
    let policy = r#"{"Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*",
        "Condition":{"StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT",
                                     "aws:ResourceTag/team":"payments",
                                     "aws:PrincipalArn":"arn:aws:iam::000000000000:user/app"}}}]}"#;
    let (id, secret) = create_key(&keys, "app", Some(policy)).await;
    let caller = authenticator
        .authenticate(&signed(&id, &secret, BODY), BODY)
        .await
        .unwrap();

    let mut context = AuthContext::default();
    context.add("secretsmanager:VersionStage", "AWSCURRENT");
    context
        .resource_tags
        .insert("team".into(), "payments".into());
    let get = "secretsmanager:GetSecretValue";
    assert!(
        authenticator
            .authorize(&caller, get, PROD_DB, None, &context)
            .await
            .is_ok()
    );

    context.resource_tags.insert("team".into(), "search".into());
    assert!(
        authenticator
            .authorize(&caller, get, PROD_DB, None, &context)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn caller_without_key_details_is_denied() {
    let (_, authenticator) = setup(false).await;
    let caller = Caller::anonymous(ACCOUNT);
    let result = authenticator
        .authorize(
            &caller,
            "secretsmanager:ListSecrets",
            "*",
            None,
            &AuthContext::default(),
        )
        .await;
    assert_eq!(result.unwrap_err().error_type, "AccessDeniedException");
}

#[tokio::test]
async fn cached_signing_key_checks_scope_and_secret() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("tumbler.db")).await.unwrap();
    let keyring = Keyring::from_key("test-kek", [9u8; crate::crypto::KEY_LEN]);
    let keys = AccessKeys::new(Arc::new(store), Arc::new(keyring));
    let authenticator = SigV4Authenticator::new(keys.clone(), ACCOUNT, false);
    let (id, secret) = create_key(&keys, "app", None).await;
    let wrong_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    // The first request records the key's last use. That commit empties the
    // key cache, so later requests reuse the resolved key. They also reuse
    // its signing key while the scope stays the same.
    for region in ["us-east-1", "us-east-1", "us-east-1", "eu-west-1", "eu-west-1", "us-east-1"] {
        let result = authenticator
            .authenticate(&signed_for_region(&id, &secret, BODY, region), BODY)
            .await;
        assert!(result.is_ok(), "a request signed for {region} authenticates");

        let error = authenticator
            .authenticate(&signed_for_region(&id, wrong_secret, BODY, region), BODY)
            .await
            .unwrap_err();
        assert_eq!(error.error_type, "InvalidSignatureException");
    }
}
