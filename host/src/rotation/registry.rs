//! Resolves rotator names to compiled rotators, compiling each once per process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::wasm::builtin::{builtin_names, builtin_rotator};
use crate::wasm::{LoadedRotator, WasmEngine, WasmError};

pub struct RotatorRegistry {
    engine: Arc<WasmEngine>,
    loaded: Mutex<HashMap<String, Arc<LoadedRotator>>>,
}

impl RotatorRegistry {
    pub fn new(engine: Arc<WasmEngine>) -> Self {
        Self {
            engine,
            loaded: Mutex::new(HashMap::new()),
        }
    }

    pub fn engine(&self) -> &Arc<WasmEngine> {
        &self.engine
    }

    /// Compiles `bytes` and registers the component under `name`, in place of
    /// any rotator of that name, so that later [`get`](Self::get) calls
    /// return it. The conformance harness loads the component under test
    /// this way.
    pub fn register(&self, name: &str, bytes: &[u8]) -> Result<Arc<LoadedRotator>, WasmError> {
        let rotator = Arc::new(LoadedRotator::load(&self.engine, name, bytes)?);
        let mut loaded = self.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loaded.insert(name.to_string(), Arc::clone(&rotator));
        Ok(rotator)
    }

    /// Returns the rotator named `reference`: a rotator name such as
    /// `postgres`, or an ARN whose last `:` or `/` segment is the name (the
    /// form of `RotationLambdaARN`).
    pub fn get(&self, reference: &str) -> Result<Arc<LoadedRotator>, WasmError> {
        let name = rotator_name(reference);
        let mut loaded = self.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(rotator) = loaded.get(name) {
            return Ok(Arc::clone(rotator));
        }
        let bytes = builtin_rotator(name)
            .ok_or_else(|| WasmError::UnknownRotator(reference.to_string(), builtin_names()))?;
        let started = std::time::Instant::now();
        let rotator = Arc::new(LoadedRotator::load(&self.engine, name, bytes)?);
        tracing::debug!(
            rotator = name,
            sha256 = rotator.sha256(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "compiled rotator"
        );
        loaded.insert(name.to_string(), Arc::clone(&rotator));
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
