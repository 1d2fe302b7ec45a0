use super::*;
use crate::crypto::Keyring;

const ARN: &str = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-AbC123";
const VERSION: &str = "00000000-0000-4000-8000-000000000001";
const PLAINTEXT: &[u8] = b"sample-plaintext-value";

fn keyring() -> Keyring {
    Keyring::from_key("tk-test", [7u8; 32])
}

fn context() -> SealContext<'static> {
    SealContext {
        secret_arn: ARN,
        version_id: VERSION,
    }
}

fn sealed() -> SealedValue {
    seal(&keyring(), &context(), PLAINTEXT).expect("seal")
}

fn assert_decryption_error(result: Result<Zeroizing<Vec<u8>>, CryptoError>) {
    match result {
        Err(CryptoError::Decryption {
            secret_arn,
            version_id,
        }) => {
            assert_eq!(secret_arn, ARN);
            assert_eq!(version_id, VERSION);
        }
        Err(other) => panic!("expected a decryption error, got {other}"),
        Ok(_) => panic!("tampered value opened"),
    }
}

#[test]
fn sealed_value_opens() {
    let opened = open(&keyring(), &context(), &sealed()).expect("open");
    assert_eq!(opened.as_slice(), PLAINTEXT);
}

#[test]
fn sealed_value_hides_plaintext() {
    let sealed = sealed();
    assert_eq!(sealed.key_id, "tk-test");
    assert_eq!(sealed.nonce.len(), 12);
    assert_eq!(sealed.wrapped_key.len(), 12 + 32 + 16);
    assert_eq!(sealed.ciphertext.len(), PLAINTEXT.len() + 16);
    assert!(
        !sealed
            .ciphertext
            .windows(PLAINTEXT.len())
            .any(|w| w == PLAINTEXT)
    );
}

#[test]
fn each_seal_uses_fresh_key_and_nonce() {
    let first = sealed();
    let second = sealed();
    assert_ne!(first.wrapped_key, second.wrapped_key);
    assert_ne!(first.nonce, second.nonce);
    assert_ne!(first.ciphertext, second.ciphertext);
}

#[test]
fn tampered_ciphertext_fails_to_open() {
    for index in [0, PLAINTEXT.len() / 2, PLAINTEXT.len() + 15] {
        let mut value = sealed();
        value.ciphertext[index] ^= 0x01;
        assert_decryption_error(open(&keyring(), &context(), &value));
    }
}

#[test]
fn truncated_ciphertext_fails_to_open() {
    let mut value = sealed();
    value.ciphertext.truncate(5);
    assert_decryption_error(open(&keyring(), &context(), &value));
    value.ciphertext.clear();
    assert_decryption_error(open(&keyring(), &context(), &value));
}

#[test]
fn tampered_nonce_fails_to_open() {
    let mut value = sealed();
    value.nonce[0] ^= 0x80;
    assert_decryption_error(open(&keyring(), &context(), &value));
}

#[test]
fn wrong_nonce_length_fails_without_panic() {
    let mut value = sealed();
    value.nonce.pop();
    assert_decryption_error(open(&keyring(), &context(), &value));
    value.nonce = vec![0; 13];
    assert_decryption_error(open(&keyring(), &context(), &value));
    value.nonce.clear();
    assert_decryption_error(open(&keyring(), &context(), &value));
}

#[test]
fn tampered_wrapped_key_fails_to_open() {
    for index in [0, 11, 12, 40, 59] {
        let mut value = sealed();
        value.wrapped_key[index] ^= 0x01;
        assert_decryption_error(open(&keyring(), &context(), &value));
    }
}

#[test]
fn wrong_wrapped_key_length_fails_without_panic() {
    let mut value = sealed();
    value.wrapped_key.truncate(11);
    assert_decryption_error(open(&keyring(), &context(), &value));
    value.wrapped_key.clear();
    assert_decryption_error(open(&keyring(), &context(), &value));
    let mut longer = sealed();
    longer.wrapped_key.push(0);
    assert_decryption_error(open(&keyring(), &context(), &longer));
}

#[test]
fn changed_key_id_fails_to_open() {
    let mut keys = keyring();
    keys.insert("tk-other".into(), None, true, Zeroizing::new([7u8; 32]));
    let mut value = seal(&keys, &context(), PLAINTEXT).unwrap();
    // Same material under another id: the id is bound into the associated data.
    value.key_id = "tk-other".into();
    assert_decryption_error(open(&keys, &context(), &value));
    value.key_id = "tk-missing".into();
    assert_decryption_error(open(&keys, &context(), &value));
}

#[test]
fn wrong_master_key_fails_to_open() {
    let value = sealed();
    let other = Keyring::from_key("tk-test", [8u8; 32]);
    assert_decryption_error(open(&other, &context(), &value));
}

#[test]
fn value_moved_to_other_version_fails_to_open() {
    let value = sealed();
    let moved = SealContext {
        secret_arn: ARN,
        version_id: "00000000-0000-4000-8000-000000000002",
    };
    let err = open(&keyring(), &moved, &value).unwrap_err();
    assert!(matches!(err, CryptoError::Decryption { .. }));
    assert!(
        err.to_string()
            .contains("00000000-0000-4000-8000-000000000002")
    );
}

#[test]
fn value_moved_to_other_secret_fails_to_open() {
    let value = sealed();
    let other_arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/other-XyZ789";
    let moved = SealContext {
        secret_arn: other_arn,
        version_id: VERSION,
    };
    let err = open(&keyring(), &moved, &value).unwrap_err();
    assert!(matches!(err, CryptoError::Decryption { .. }));
    assert!(err.to_string().contains(other_arn));
}

#[test]
fn swapped_wrapped_keys_fail_to_open() {
    let first = sealed();
    let mut second = sealed();
    second.wrapped_key = first.wrapped_key.clone();
    assert_decryption_error(open(&keyring(), &context(), &second));
}

#[test]
fn decryption_error_never_contains_plaintext() {
    let mut value = sealed();
    value.ciphertext[0] ^= 1;
    let message = open(&keyring(), &context(), &value)
        .unwrap_err()
        .to_string();
    assert!(!message.contains("sample-plaintext-value"));
    assert!(message.contains(ARN));
    assert!(message.contains(VERSION));
}

#[test]
fn disabled_key_refuses_seal_and_open() {
    let value = sealed();
    let mut keys = Keyring::empty("tk-test".into());
    keys.insert("tk-test".into(), None, false, Zeroizing::new([7u8; 32]));
    assert!(matches!(
        open(&keys, &context(), &value),
        Err(CryptoError::KeyDisabled(_))
    ));
    assert!(matches!(
        seal(&keys, &context(), PLAINTEXT),
        Err(CryptoError::KeyDisabled(_))
    ));
}

#[test]
fn seal_with_alias_records_key_id() {
    let mut keys = keyring();
    keys.insert(
        "tk-second".into(),
        Some("alias/app-key".into()),
        true,
        Zeroizing::new([9u8; 32]),
    );
    let value = seal_with_key(&keys, "alias/app-key", &context(), PLAINTEXT).unwrap();
    assert_eq!(value.key_id, "tk-second");
    assert_eq!(
        open(&keys, &context(), &value).unwrap().as_slice(),
        PLAINTEXT
    );
    let by_arn = "arn:aws:kms:us-east-1:000000000000:alias/app-key";
    assert_eq!(
        seal_with_key(&keys, by_arn, &context(), PLAINTEXT)
            .unwrap()
            .key_id,
        "tk-second"
    );
    assert!(matches!(
        seal_with_key(&keys, "app-key", &context(), PLAINTEXT),
        Err(CryptoError::KeyNotFound(_))
    ));
}

#[test]
fn rewrap_moves_data_key_to_new_key() {
    let mut keys = keyring();
    keys.insert("tk-second".into(), None, true, Zeroizing::new([9u8; 32]));
    let value = sealed();
    let rewrapped = rewrap(&keys, "tk-second", &context(), &value).unwrap();
    assert_eq!(rewrapped.key_id, "tk-second");
    assert_eq!(rewrapped.ciphertext, value.ciphertext);
    assert_eq!(
        open(&keys, &context(), &rewrapped).unwrap().as_slice(),
        PLAINTEXT
    );
}

#[test]
fn debug_output_omits_key_material() {
    let printed = format!("{:?} {:?}", keyring(), sealed());
    assert!(!printed.contains("7, 7, 7"));
    assert!(printed.contains("tk-test"));
}
