//! The AWS Secrets Manager-compatible HTTP API (AWS JSON 1.1 on `POST /`).
