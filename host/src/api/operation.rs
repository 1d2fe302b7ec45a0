//! The operations of the Secrets Manager API and their IAM action names.

macro_rules! operations {
    ($($name:ident),+ $(,)?) => {
        /// An operation named by `X-Amz-Target: secretsmanager.<name>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($name),+
        }

        impl Operation {
            /// Every operation of the 2017-10-17 API model.
            pub const ALL: &'static [Operation] = &[$(Operation::$name),+];

            /// Returns the operation name as it appears in `X-Amz-Target`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Operation::$name => stringify!($name)),+
                }
            }

            /// Returns the IAM action that authorizes the operation, such as
            /// `secretsmanager:GetSecretValue`.
            pub fn action(self) -> &'static str {
                match self {
                    $(Operation::$name => concat!("secretsmanager:", stringify!($name))),+
                }
            }

            /// Looks an operation up by its exact (case-sensitive) name.
            pub fn from_name(name: &str) -> Option<Operation> {
                Operation::ALL.iter().copied().find(|op| op.name() == name)
            }
        }
    };
}

operations!(
    BatchGetSecretValue,
    CancelRotateSecret,
    CreateSecret,
    DeleteResourcePolicy,
    DeleteSecret,
    DescribeSecret,
    GetRandomPassword,
    GetResourcePolicy,
    GetSecretValue,
    ListSecretVersionIds,
    ListSecrets,
    PutResourcePolicy,
    PutSecretValue,
    RemoveRegionsFromReplication,
    ReplicateSecretToRegions,
    RestoreSecret,
    RotateSecret,
    StopReplicationToReplica,
    TagResource,
    UntagResource,
    UpdateSecret,
    UpdateSecretVersionStage,
    ValidateResourcePolicy,
);

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn model_has_23_operations() {
        assert_eq!(Operation::ALL.len(), 23);
    }

    #[test]
    fn names_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(op.name()), Some(*op));
        }
        assert_eq!(Operation::from_name("getSecretValue"), None);
    }

    #[test]
    fn action_has_service_prefix() {
        assert_eq!(
            Operation::GetSecretValue.action(),
            "secretsmanager:GetSecretValue"
        );
    }
}
