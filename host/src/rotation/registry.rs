//! Resolves rotator names to compiled rotators: the built-in ones and those
//! installed in the store.
//!
//! Compiled rotators are kept per process and checked against the store's
//! digest on every lookup, so a rotator replaced by another process is
//! loaded again. Compilation goes through the [`ArtifactCache`] when one is
//! configured, so a second process start deserializes instead of compiling.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::store::Store;
use crate::wasm::builtin::{BUILTIN_ROTATORS, builtin_rotator};
use crate::wasm::cache::CacheLookup;
use crate::wasm::rotator::compile;
use crate::wasm::{ArtifactCache, LoadedRotator, WasmEngine, WasmError};

pub struct RotatorRegistry {
    engine: Arc<WasmEngine>,
    store: Option<Arc<dyn Store>>,
    cache: Option<ArtifactCache>,
    loaded: Mutex<HashMap<String, Arc<LoadedRotator>>>,
    /// Rotators registered in this process with [`RotatorRegistry::register`].
    registered: Mutex<HashMap<String, Arc<LoadedRotator>>>,
    builtin_digests: Mutex<HashMap<String, String>>,
}

/// Source of a rotator's component bytes.
enum Source {
    Builtin(&'static [u8]),
    Installed,
}

impl RotatorRegistry {
    /// A registry of the built-in rotators only, compiled without a cache.
    pub fn new(engine: Arc<WasmEngine>) -> Self {
        Self::with_store(engine, None, None)
    }

    /// Creates a registry that also resolves rotators installed in `store`
    /// and loads compiled rotators through `cache`.
    pub fn with_store(
        engine: Arc<WasmEngine>,
        store: Option<Arc<dyn Store>>,
        cache: Option<ArtifactCache>,
    ) -> Self {
        Self {
            engine,
            store,
            cache,
            loaded: Mutex::new(HashMap::new()),
            registered: Mutex::new(HashMap::new()),
            builtin_digests: Mutex::new(HashMap::new()),
        }
    }

    pub fn engine(&self) -> &Arc<WasmEngine> {
        &self.engine
    }

    pub fn cache(&self) -> Option<&ArtifactCache> {
        self.cache.as_ref()
    }

    /// Compiles `bytes` and registers the component under `name` for this
    /// process only. Later [`get`](Self::get) calls return it before any
    /// built-in or installed rotator of that name. The conformance harness
    /// loads the component under test this way.
    pub fn register(&self, name: &str, bytes: &[u8]) -> Result<Arc<LoadedRotator>, WasmError> {
        let rotator = Arc::new(LoadedRotator::load(&self.engine, name, bytes)?);
        let mut registered = self.registered.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        registered.insert(name.to_string(), Arc::clone(&rotator));
        Ok(rotator)
    }

    /// Returns the rotator named `reference`: a rotator name such as
    /// `postgres`, or an ARN whose last `:` or `/` segment is the name (the
    /// form of `RotationLambdaARN`). Built-in names come first, and installed
    /// rotators cannot take a built-in name.
    pub async fn get(&self, reference: &str) -> Result<Arc<LoadedRotator>, WasmError> {
        let name = rotator_name(reference);
        if let Some(rotator) = self.registered_rotator(name) {
            return Ok(rotator);
        }
        let (source, sha256) = match builtin_rotator(name) {
            Some(bytes) => (Source::Builtin(bytes), self.builtin_digest(name, bytes)),
            None => match self.find_installed(name).await? {
                Some(sha256) => (Source::Installed, sha256),
                None => {
                    let available = self.available_names().await;
                    return Err(WasmError::UnknownRotator(reference.to_string(), available));
                }
            },
        };

        if let Some(rotator) = self.cached(name, &sha256) {
            return Ok(rotator);
        }
        let rotator = Arc::new(self.load(name, &sha256, source).await?);
        let mut loaded = self.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loaded.insert(name.to_string(), Arc::clone(&rotator));
        Ok(rotator)
    }

    /// Names of the built-in and installed rotators, comma-separated.
    pub async fn available_names(&self) -> String {
        let mut names: Vec<String> = BUILTIN_ROTATORS.iter().map(|(name, _)| name.to_string()).collect();
        if let Some(store) = &self.store {
            match store.list_rotators().await {
                Ok(installed) => names.extend(installed.into_iter().map(|rotator| rotator.name)),
                Err(error) => tracing::warn!(%error, "could not list installed rotators"),
            }
        }
        names.join(", ")
    }

    /// Compiles component bytes (or loads them from the cache) and stores the
    /// artifact in the cache. Used by install, which has the bytes at hand.
    pub async fn compile_component(
        &self,
        name: &str,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> Result<LoadedRotator, WasmError> {
        if let Some(component) = self.cache_hit(sha256) {
            return LoadedRotator::from_component(&self.engine, name, sha256, &component);
        }
        self.compile_and_cache(name, sha256, bytes).await
    }

    fn registered_rotator(&self, name: &str) -> Option<Arc<LoadedRotator>> {
        let registered = self.registered.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        registered.get(name).map(Arc::clone)
    }

    fn cached(&self, name: &str, sha256: &str) -> Option<Arc<LoadedRotator>> {
        let loaded = self.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loaded
            .get(name)
            .filter(|rotator| rotator.sha256() == sha256)
            .map(Arc::clone)
    }

    fn builtin_digest(&self, name: &str, bytes: &[u8]) -> String {
        let mut digests = self.builtin_digests.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        digests
            .entry(name.to_string())
            .or_insert_with(|| hex::encode(Sha256::digest(bytes)))
            .clone()
    }

    async fn find_installed(&self, name: &str) -> Result<Option<String>, WasmError> {
        let Some(store) = &self.store else {
            return Ok(None);
        };
        let installed = store.find_rotator(name).await.map_err(|error| WasmError::Registry {
            rotator: name.to_string(),
            message: error.to_string(),
        })?;
        Ok(installed.map(|rotator| rotator.sha256))
    }

    async fn load(&self, name: &str, sha256: &str, source: Source) -> Result<LoadedRotator, WasmError> {
        if let Some(component) = self.cache_hit(sha256) {
            tracing::debug!(rotator = name, sha256, "loaded compiled rotator from the cache");
            return LoadedRotator::from_component(&self.engine, name, sha256, &component);
        }
        let bytes = match source {
            Source::Builtin(bytes) => bytes.to_vec(),
            Source::Installed => self.installed_bytes(name, sha256).await?,
        };
        self.compile_and_cache(name, sha256, bytes).await
    }

    fn cache_hit(&self, sha256: &str) -> Option<wasmtime::component::Component> {
        match self.cache.as_ref()?.load(self.engine.engine(), sha256) {
            CacheLookup::Hit(component) => Some(component),
            CacheLookup::Miss => None,
        }
    }

    async fn installed_bytes(&self, name: &str, sha256: &str) -> Result<Vec<u8>, WasmError> {
        let registry_error = |message: String| WasmError::Registry {
            rotator: name.to_string(),
            message,
        };
        let store = self
            .store
            .as_ref()
            .ok_or_else(|| registry_error("this registry has no store".to_string()))?;
        store
            .rotator_component(name, sha256)
            .await
            .map_err(|error| registry_error(error.to_string()))?
            .ok_or_else(|| {
                registry_error(format!(
                    "the installed build with SHA-256 {sha256} was replaced or removed while it \
                     was loading; try again"
                ))
            })
    }

    /// Compiles on a blocking thread, because compiling a rotator takes
    /// long enough to stall other tasks on an async worker.
    async fn compile_and_cache(
        &self,
        name: &str,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> Result<LoadedRotator, WasmError> {
        let started = Instant::now();
        let engine = Arc::clone(&self.engine);
        let task_name = name.to_string();
        let component = tokio::task::spawn_blocking(move || compile(&engine, &task_name, &bytes))
            .await
            .map_err(|error| WasmError::Registry {
                rotator: name.to_string(),
                message: format!("the compile task failed: {error}"),
            })??;
        tracing::debug!(
            rotator = name,
            sha256,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "compiled rotator"
        );
        let rotator = LoadedRotator::from_component(&self.engine, name, sha256, &component)?;
        if let Some(cache) = &self.cache
            && let Err(error) = cache.store(sha256, &component)
        {
            // The rotator works without the cache, so the next start compiles again.
            tracing::warn!(rotator = name, %error, "could not write the compiled rotator to the cache");
        }
        Ok(rotator)
    }
}

/// Extracts the rotator name from a name or an ARN.
pub fn rotator_name(reference: &str) -> &str {
    reference
        .rsplit([':', '/'])
        .next()
        .filter(|name| !name.is_empty())
        .unwrap_or(reference)
}

#[cfg(test)]
mod tests {
    use super::rotator_name;

    #[test]
    fn plain_name_is_kept() {
        assert_eq!(rotator_name("postgres"), "postgres");
    }

    #[test]
    fn lambda_arn_yields_function_name() {
        assert_eq!(
            rotator_name("arn:aws:lambda:us-east-1:000000000000:function:postgres"),
            "postgres"
        );
    }

    #[test]
    fn path_yields_last_segment() {
        assert_eq!(rotator_name("rotators/postgres"), "postgres");
    }
}
