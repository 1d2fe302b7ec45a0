//! The four rotation steps and their AWS names.

use crate::wasm::bindings::Step;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepName {
    CreateSecret,
    SetSecret,
    TestSecret,
    FinishSecret,
}

/// The steps in the order the protocol runs them.
pub const STEPS: [StepName; 4] = [
    StepName::CreateSecret,
    StepName::SetSecret,
    StepName::TestSecret,
    StepName::FinishSecret,
];

impl StepName {
    /// Returns the step's name in AWS rotation events, such as `createSecret`.
    pub fn aws_name(self) -> &'static str {
        match self {
            Self::CreateSecret => "createSecret",
            Self::SetSecret => "setSecret",
            Self::TestSecret => "testSecret",
            Self::FinishSecret => "finishSecret",
        }
    }

    pub(crate) fn wit_step(self) -> Step {
        match self {
            Self::CreateSecret => Step::CreateSecret,
            Self::SetSecret => Step::SetSecret,
            Self::TestSecret => Step::TestSecret,
            Self::FinishSecret => Step::FinishSecret,
        }
    }
}

impl std::fmt::Display for StepName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.aws_name())
    }
}
