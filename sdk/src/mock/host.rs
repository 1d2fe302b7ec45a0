//! The mock host installed on a test thread, and helpers that run a
//! rotator's steps against it.

use std::cell::RefCell;
use std::rc::Rc;

use super::database::Database;
use super::password::PasswordGenerator;
use super::store::{MockSecret, MockVersion};
use crate::bindings::tumbler::rotator::log::Level;
use crate::bindings::tumbler::rotator::types::SecretValue;
use crate::secrets::{AWSCURRENT, AWSPENDING, Selector};
use crate::{Event, RotationError, Rotator, Step, steps};

/// One captured log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub level: Level,
    pub message: String,
}

/// State that the SDK's host calls read and change.
pub(crate) struct HostState {
    pub secrets: Vec<MockSecret>,
    /// The rotation that may write: (secret ARN, token).
    pub rotation: Option<(String, String)>,
    pub database: Option<Box<dyn Database>>,
    pub logs: Vec<LogLine>,
    pub passwords: PasswordGenerator,
    next_id: u64,
}

impl HostState {
    fn new() -> Self {
        Self {
            secrets: Vec::new(),
            rotation: None,
            database: None,
            logs: Vec::new(),
            passwords: PasswordGenerator::default(),
            next_id: 0,
        }
    }

    /// Returns the secret named by `secret_id`, a name or an ARN.
    pub fn secret(&self, secret_id: &str) -> Option<&MockSecret> {
        self.secrets
            .iter()
            .find(|secret| secret.arn == secret_id || secret.name == secret_id)
    }

    pub fn secret_mut(&mut self, secret_id: &str) -> Option<&mut MockSecret> {
        self.secrets
            .iter_mut()
            .find(|secret| secret.arn == secret_id || secret.name == secret_id)
    }

    /// Returns a new version id in the UUID shape that Secrets Manager uses.
    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("00000000-0000-4000-8000-{:012x}", self.next_id)
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<RefCell<HostState>>>> = const { RefCell::new(None) };
}

/// Runs `action` on the host installed on this thread.
///
/// # Panics
///
/// Panics when no [`MockHost`] is installed, because the calling test
/// forgot to install one.
pub(crate) fn with_state<T>(action: impl FnOnce(&mut HostState) -> T) -> T {
    let state = CURRENT.with(|current| current.borrow().clone());
    let Some(state) = state else {
        panic!(
            "an SDK host call ran natively without a mock host; call \
             tumbler_sdk::mock::MockHost::install() at the start of the test"
        );
    };
    let mut state = state.borrow_mut();
    action(&mut state)
}

/// Host side of the `log` interface: captures the line.
pub(crate) fn log(level: Level, message: &str) {
    with_state(|state| {
        state.logs.push(LogLine {
            level,
            message: message.to_string(),
        })
    });
}

/// The mock host of the current thread. Dropping it uninstalls it.
pub struct MockHost {
    state: Rc<RefCell<HostState>>,
}

impl MockHost {
    /// Installs an empty host on this thread, in place of any earlier one.
    /// Tests run on separate threads, so they do not share hosts.
    pub fn install() -> MockHost {
        let state = Rc::new(RefCell::new(HostState::new()));
        CURRENT.with(|current| *current.borrow_mut() = Some(Rc::clone(&state)));
        MockHost { state }
    }

    /// Creates secret `name` whose first version, labelled AWSCURRENT,
    /// contains `value`. Returns the secret's ARN.
    pub fn create_secret(&self, name: &str, value: &str) -> String {
        let mut state = self.state.borrow_mut();
        let suffix = format!("{:06x}", state.secrets.len() + 1);
        let mut secret = MockSecret::new(name, &suffix);
        let id = state.new_id();
        secret.versions.push(MockVersion {
            id,
            value: Some(SecretValue::Text(value.to_string())),
            stages: vec![AWSCURRENT.to_string()],
        });
        let arn = secret.arn.clone();
        state.secrets.push(secret);
        arn
    }

    /// Starts a rotation as RotateSecret does: enables rotation, creates a
    /// version without a value labelled AWSPENDING, and lets the rotation
    /// write to the secret with that version's id. Returns the id, which is
    /// the rotation's token.
    ///
    /// # Panics
    ///
    /// Panics when the secret does not exist.
    pub fn start_rotation(&self, secret_id: &str) -> String {
        let mut state = self.state.borrow_mut();
        let token = state.new_id();
        let secret = state
            .secret_mut(secret_id)
            .unwrap_or_else(|| panic!("the mock host has no secret {secret_id}"));
        secret.rotation_enabled = true;
        secret.versions.push(MockVersion {
            id: token.clone(),
            value: None,
            stages: Vec::new(),
        });
        secret.attach(AWSPENDING, &token);
        let arn = secret.arn.clone();
        state.rotation = Some((arn, token.clone()));
        token
    }

    /// Supplies the database that [`crate::pg::Connection`] talks to.
    pub fn set_database(&self, database: impl Database + 'static) {
        self.state.borrow_mut().database = Some(Box::new(database));
    }

    /// Builds the event of `step` for the rotation of `secret_id` with
    /// `token` and `settings`, as the host sends it on the first attempt.
    pub fn event(&self, secret_id: &str, token: &str, step: Step, settings: &[(&str, &str)]) -> Event {
        let arn = self
            .state
            .borrow()
            .secret(secret_id)
            .map(|secret| secret.arn.clone())
            .unwrap_or_else(|| secret_id.to_string());
        Event {
            secret_id: arn,
            client_request_token: token.to_string(),
            step,
            attempt: 1,
            settings: settings
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
        }
    }

    /// Returns the text of the selected version, or `None` when it does not
    /// exist, has no value or is binary.
    pub fn value(&self, secret_id: &str, selector: &Selector) -> Option<String> {
        let state = self.state.borrow();
        match state.secret(secret_id)?.get_value(selector).ok()? {
            SecretValue::Text(text) => Some(text),
            SecretValue::Binary(_) => None,
        }
    }

    /// Returns the id of the version of `secret_id` that carries `stage`.
    pub fn version_with_stage(&self, secret_id: &str, stage: &str) -> Option<String> {
        self.state.borrow().secret(secret_id)?.holder_of(stage)
    }

    /// Returns the labels of version `version_id`; empty for a version
    /// without labels or that does not exist.
    pub fn stages_of(&self, secret_id: &str, version_id: &str) -> Vec<String> {
        let state = self.state.borrow();
        let Some(version) = state.secret(secret_id).and_then(|secret| secret.version(version_id)) else {
            return Vec::new();
        };
        let mut stages = version.stages.clone();
        stages.sort();
        stages
    }

    /// Returns the log lines captured so far.
    pub fn logs(&self) -> Vec<LogLine> {
        self.state.borrow().logs.clone()
    }
}

impl Drop for MockHost {
    fn drop(&mut self) {
        CURRENT.with(|current| {
            let mut current = current.borrow_mut();
            if current.as_ref().is_some_and(|installed| Rc::ptr_eq(installed, &self.state)) {
                *current = None;
            }
        });
    }
}

/// Runs `step` of rotator `R` as the exported function does, entry checks
/// included.
pub fn run_step<R: Rotator>(event: &Event) -> Result<(), RotationError> {
    steps::run_step::<R>(event.step, event)
}

/// Runs the four steps of rotator `R` in order for the rotation `token` of
/// `secret_id`, stopping at the first error.
pub fn run_rotation<R: Rotator>(
    host: &MockHost,
    secret_id: &str,
    token: &str,
    settings: &[(&str, &str)],
) -> Result<(), RotationError> {
    for step in [Step::CreateSecret, Step::SetSecret, Step::TestSecret, Step::FinishSecret] {
        run_step::<R>(&host.event(secret_id, token, step, settings))?;
    }
    Ok(())
}
