//! Changes to a keyring for key management: new keys, default key, saving.

use std::fs;
use std::path::Path;

use rand::RngCore;
use rand::rngs::OsRng;

use super::keyfile::{
    KEY_FILE_NAME, create_private_dir, random_key_id, render_key_file, temp_path,
    write_private_file,
};
use super::keyring::KEY_LEN;
use super::{CryptoError, Keyring};

impl Keyring {
    /// Generates an enabled key with a random id and material; returns its id.
    pub fn generate_key(&mut self, alias: Option<&str>) -> Result<String, CryptoError> {
        let id = random_key_id();
        let mut material = [0u8; KEY_LEN];
        OsRng.fill_bytes(&mut material);
        let added = self.add_key(&id, alias, material);
        zeroize::Zeroize::zeroize(&mut material);
        added.map(|()| id)
    }

    /// Makes an enabled key the default for secrets that name no key.
    /// Existing versions keep the key that wraps them.
    pub fn set_default_key(&mut self, key_ref: &str) -> Result<(), CryptoError> {
        let info = self.resolve(key_ref)?;
        if !info.enabled {
            return Err(CryptoError::KeyDisabled(info.id));
        }
        self.set_default_unchecked(info.id);
        Ok(())
    }

    /// Writes the keyring to `<data_dir>/master.key` with mode 0600. The new
    /// file replaces the old one by rename, so readers never see a partial
    /// file.
    pub fn save(&self, data_dir: &Path) -> Result<(), CryptoError> {
        create_private_dir(data_dir)?;
        let path = data_dir.join(KEY_FILE_NAME);
        let text = render_key_file(self, &path)?;
        let tmp = temp_path(&path);
        write_private_file(&tmp, text.as_bytes())?;
        if let Err(source) = fs::rename(&tmp, &path) {
            let _ = fs::remove_file(&tmp);
            return Err(CryptoError::Io {
                action: "failed to replace key file",
                path,
                source,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::crypto::{SealContext, open, seal};

    #[test]
    fn saved_keyring_reloads_with_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut keyring = Keyring::load_or_create_with(dir.path(), None).unwrap();
        let context = SealContext {
            secret_arn: "arn:test",
            version_id: "v1",
        };
        let old = seal(&keyring, &context, b"data").unwrap();

        let id = keyring.generate_key(Some("alias/next")).unwrap();
        keyring.set_default_key("alias/next").unwrap();
        keyring.save(dir.path()).unwrap();

        let path = dir.path().join(KEY_FILE_NAME);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let reloaded = Keyring::load_or_create_with(dir.path(), None).unwrap();
        assert_eq!(reloaded.default_key_id(), id);
        assert_eq!(reloaded.resolve("alias/next").unwrap().id, id);
        assert_eq!(open(&reloaded, &context, &old).unwrap().as_slice(), b"data");
    }

    #[test]
    fn disabled_key_cannot_become_default() {
        let mut keyring = Keyring::from_key("tk-a", [1u8; 32]);
        keyring.add_key("tk-b", None, [2u8; 32]).unwrap();
        keyring.set_enabled("tk-b", false).unwrap();
        let err = keyring.set_default_key("tk-b").unwrap_err();
        assert!(matches!(err, CryptoError::KeyDisabled(_)));
        assert_eq!(keyring.default_key_id(), "tk-a");
    }

    #[test]
    fn duplicate_alias_is_rejected() {
        let mut keyring = Keyring::from_key("tk-a", [1u8; 32]);
        keyring.generate_key(Some("alias/x")).unwrap();
        let err = keyring.generate_key(Some("alias/x")).unwrap_err();
        assert!(matches!(err, CryptoError::DuplicateKey(_)));
    }
}
