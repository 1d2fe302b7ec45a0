//! Request authentication (SigV4 against Tumbler-issued access keys) and
//! IAM-style authorization.
