use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::crypto::{KeyProvider, SealContext, open, seal};

const CONTEXT: SealContext<'static> = SealContext {
    secret_arn: "arn:test",
    version_id: "v1",
};

#[test]
fn first_start_creates_private_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let keyring = Keyring::load_or_create_with(&data_dir, None).unwrap();

    let path = data_dir.join(KEY_FILE_NAME);
    let file_mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(file_mode, 0o600);
    let dir_mode = fs::metadata(&data_dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700);
    assert!(keyring.default_key_id().starts_with("tk-"));
    assert_eq!(keyring.default_key_id().len(), 3 + 16);
}

#[test]
fn second_start_reads_same_keys() {
    let dir = tempfile::tempdir().unwrap();
    let first = Keyring::load_or_create_with(dir.path(), None).unwrap();
    let sealed = seal(&first, &CONTEXT, b"data").unwrap();

    let second = Keyring::load_or_create_with(dir.path(), None).unwrap();
    assert_eq!(first.default_key_id(), second.default_key_id());
    assert_eq!(
        open(&second, &CONTEXT, &sealed).unwrap().as_slice(),
        b"data"
    );
}

#[test]
fn readable_key_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    Keyring::load_or_create_with(dir.path(), None).unwrap();
    let path = dir.path().join(KEY_FILE_NAME);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();

    let err = Keyring::load_or_create_with(dir.path(), None).unwrap_err();
    assert!(
        matches!(err, CryptoError::InsecureKeyFile { mode: 0o644, .. }),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains("chmod 600"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
}

#[test]
fn corrupt_key_file_names_path_without_material() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(KEY_FILE_NAME);
    write_private_file(
        &path,
        b"default_key_id = \"tk-a\"\n[[keys]]\nid = \"tk-a\"\nmaterial = \"c2hvcnQ=\"\n",
    )
    .unwrap();
    let err = Keyring::load_or_create_with(dir.path(), None).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, CryptoError::InvalidKeyFile { .. }),
        "{message}"
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("32 bytes"), "{message}");
    assert!(!message.contains("c2hvcnQ="), "{message}");
}

#[test]
fn key_file_with_aliases_and_disabled_keys_loads() {
    let dir = tempfile::tempdir().unwrap();
    let material_a = BASE64.encode([1u8; 32]);
    let material_b = BASE64.encode([2u8; 32]);
    let text = format!(
        "default_key_id = \"tk-a\"\n\
         [[keys]]\nid = \"tk-a\"\nalias = \"alias/main\"\nmaterial = \"{material_a}\"\n\
         [[keys]]\nid = \"tk-b\"\nenabled = false\nmaterial = \"{material_b}\"\n"
    );
    write_private_file(&dir.path().join(KEY_FILE_NAME), text.as_bytes()).unwrap();

    let keyring = Keyring::load_or_create_with(dir.path(), None).unwrap();
    assert_eq!(keyring.default_key_id(), "tk-a");
    assert_eq!(keyring.resolve("alias/main").unwrap().id, "tk-a");
    assert!(!keyring.resolve("tk-b").unwrap().enabled);
    assert!(matches!(
        keyring.resolve_key_id("tk-b"),
        Err(CryptoError::KeyDisabled(_))
    ));
}

#[test]
fn master_key_env_value_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let encoded = BASE64.encode([42u8; 32]);
    let keyring = Keyring::load_or_create_with(dir.path(), Some(&encoded)).unwrap();
    assert!(!dir.path().join(KEY_FILE_NAME).exists());

    let again = Keyring::from_master_key_base64(&encoded).unwrap();
    assert_eq!(keyring.default_key_id(), again.default_key_id());
    assert!(keyring.default_key_id().starts_with("tk-"));
    assert!(!keyring.default_key_id().contains(&hex::encode([42u8; 8])));

    let sealed = seal(&keyring, &CONTEXT, b"data").unwrap();
    assert_eq!(open(&again, &CONTEXT, &sealed).unwrap().as_slice(), b"data");
}

#[test]
fn different_master_keys_get_different_ids() {
    let a = Keyring::from_master_key_base64(&BASE64.encode([1u8; 32])).unwrap();
    let b = Keyring::from_master_key_base64(&BASE64.encode([2u8; 32])).unwrap();
    assert_ne!(a.default_key_id(), b.default_key_id());
}

#[test]
fn master_key_with_bad_base64_is_rejected() {
    let err = Keyring::from_master_key_base64("not base64!!").unwrap_err();
    assert!(matches!(err, CryptoError::InvalidMasterKey(_)));
    assert!(err.to_string().contains("TUMBLER_MASTER_KEY"));
    assert!(err.to_string().contains("base64"));
}

#[test]
fn master_key_with_wrong_length_is_rejected() {
    for len in [16usize, 31, 33, 64] {
        let err = Keyring::from_master_key_base64(&BASE64.encode(vec![1u8; len])).unwrap_err();
        assert!(
            matches!(err, CryptoError::InvalidMasterKey(_)),
            "length {len}"
        );
        assert!(err.to_string().contains("32 bytes"), "length {len}");
    }
}
