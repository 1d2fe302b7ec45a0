//! The harness's results: one row per check, printable as a table or JSON.

use serde::Serialize;

/// A conformance check, in the order the harness runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The four steps run once and the labels end in the AWS final state.
    FullRotation,
    /// Every step runs twice in a row and the rotation still ends correctly.
    Idempotency,
    /// A new engine resumes the rotation after each step.
    Restart,
    /// Every step rejects tokens that are not the AWSPENDING version.
    WrongToken,
    /// Every step rejects a token whose AWSPENDING label was removed.
    MissingPending,
}

impl Check {
    /// Every check, in the order [`Harness::run`](super::Harness::run) runs them.
    pub const ALL: [Check; 5] = [
        Check::FullRotation,
        Check::Idempotency,
        Check::Restart,
        Check::WrongToken,
        Check::MissingPending,
    ];

    /// Returns the check's name as printed in the table.
    pub fn name(self) -> &'static str {
        match self {
            Check::FullRotation => "full-rotation",
            Check::Idempotency => "idempotency",
            Check::Restart => "restart",
            Check::WrongToken => "wrong-token",
            Check::MissingPending => "missing-pending",
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The outcome of one check. `reason` never contains a secret value.
#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    pub check: Check,
    pub passed: bool,
    pub reason: String,
}

impl CheckResult {
    pub fn pass(check: Check, reason: impl Into<String>) -> Self {
        Self {
            check,
            passed: true,
            reason: reason.into(),
        }
    }

    pub fn fail(check: Check, reason: impl Into<String>) -> Self {
        Self {
            check,
            passed: false,
            reason: reason.into(),
        }
    }

    /// Builds a result from the problems a check found: a pass with
    /// `success` when there are none, else a failure listing them.
    pub fn from_problems(check: Check, problems: Vec<String>, success: impl Into<String>) -> Self {
        if problems.is_empty() {
            Self::pass(check, success)
        } else {
            Self::fail(check, problems.join("; "))
        }
    }
}

/// All check results of one harness run.
#[derive(Clone, Debug, Serialize)]
pub struct HarnessReport {
    /// SHA-256 of the component, hex.
    pub component_sha256: String,
    pub checks: Vec<CheckResult>,
}

impl HarnessReport {
    /// Reports whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|result| result.passed)
    }

    /// Returns the result of `check`, if it ran.
    pub fn result(&self, check: Check) -> Option<&CheckResult> {
        self.checks.iter().find(|result| result.check == check)
    }

    /// Formats the results as a table with the columns check, result and
    /// reason, followed by a summary line.
    pub fn table(&self) -> String {
        let width = Check::ALL.iter().map(|check| check.name().len()).max().unwrap_or(0);
        let mut table = format!("{:<width$}  {:<6}  reason\n", "check", "result");
        for result in &self.checks {
            let verdict = if result.passed { "PASS" } else { "FAIL" };
            table.push_str(&format!(
                "{:<width$}  {verdict:<6}  {}\n",
                result.check.name(),
                result.reason
            ));
        }
        let failed = self.checks.iter().filter(|result| !result.passed).count();
        if failed == 0 {
            table.push_str(&format!("all {} checks passed\n", self.checks.len()));
        } else {
            table.push_str(&format!("{failed} of {} checks failed\n", self.checks.len()));
        }
        table
    }
}
