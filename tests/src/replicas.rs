//! Several `tumbler serve` replicas on one PostgreSQL store, and secrets of
//! real PostgreSQL roles that fall due for scheduled rotation together. The
//! multi-replica test and the scheduled-rotation benchmark share these.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use sqlx::PgConnection;
use time::OffsetDateTime;
use tumbler::app::App;
use tumbler::schedule::RotationRules;
use tumbler::secrets::{CreateSecretInput, RotationConfig, SecretValue};
use zeroize::Zeroizing;

use crate::{PgServer, TestRole};

/// File in a replica's data directory that receives its stderr.
const LOG_FILE: &str = "serve.log";

/// A `tumbler serve` process with its own data directory; killed with
/// SIGKILL when dropped.
pub struct Replica {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Replica {
    /// Starts `binary serve` on a free loopback port, on the store at
    /// `store_url`, with a copy of `master_key` and `config` as its
    /// `tumbler.toml`, and waits until it listens.
    pub fn start(binary: &Path, store_url: &str, master_key: &Path, config: &str) -> Replica {
        let dir = tempfile::tempdir().expect("replica data directory");
        std::fs::copy(master_key, dir.path().join("master.key")).expect("copy the key file");
        std::fs::write(dir.path().join("tumbler.toml"), config).expect("write tumbler.toml");
        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("TUMBLER_DATA_DIR", dir.path())
            .env("TUMBLER_STORE", store_url)
            .env_remove("TUMBLER_MASTER_KEY")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join(LOG_FILE)).expect("create the replica log"))
            .spawn()
            .expect("start tumbler serve");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let announced = stdout
            .lines()
            .take(20)
            .map_while(Result::ok)
            .any(|line| line.contains("http://127.0.0.1:"));
        assert!(announced, "replica {} did not announce its address", child.id());
        Replica { child, _dir: dir }
    }

    /// Returns the last `lines` lines of the replica's log, for failure
    /// messages. The server does not log secret values.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(self._dir.path().join(LOG_FILE)).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Returns the process id, which is the first part of the lease owner of
    /// its claims.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tumbler.toml` for replicas: a scheduler pass every second, `concurrency`
/// rotations at a time, a `lease_secs` lease, and the test server allowed.
pub fn replica_config(server: &PgServer, concurrency: usize, lease_secs: u64) -> String {
    format!(
        "[rotation]\nscheduler_interval_secs = 1\nmax_concurrent_rotations = {concurrency}\n\
         rotation_lease_secs = {lease_secs}\n\n[rotators.postgres]\nallow_hosts = [\"{}\"]\n",
        server.allow_host()
    )
}

/// A secret of a test role with a daily schedule.
pub struct ScheduledRole {
    pub secret_name: String,
    pub role: TestRole,
    pub initial_password: String,
}

/// Creates `count` roles and secrets named `PREFIX/NNNN`, each with the
/// `postgres` rotator and a daily schedule whose next window starts tomorrow.
pub async fn create_scheduled_roles(
    app: &App,
    server: &PgServer,
    prefix: &str,
    count: usize,
) -> Vec<ScheduledRole> {
    let rules = RotationRules::parse(None, Some("rate(1 days)"), Some("4h")).expect("rules");
    let mut roles = Vec::with_capacity(count);
    for n in 0..count {
        let initial_password = format!("scheduled-Initial-{n:04}");
        let role = server.create_role("tumbler_sched", &initial_password).await;
        let secret_name = format!("{prefix}/{n:04}");
        let value = server.secret_json(&role.name, &initial_password);
        app.secrets
            .create_secret(CreateSecretInput {
                name: secret_name.clone(),
                client_request_token: None,
                description: None,
                kms_key_id: None,
                value: Some(SecretValue::Text(Zeroizing::new(value))),
                tags: Vec::new(),
            })
            .await
            .expect("create the secret");
        let config = RotationConfig {
            rotator: "postgres".into(),
            settings: BTreeMap::new(),
        };
        app.secrets
            .configure_rotation(&secret_name, Some(config))
            .await
            .expect("configure rotation");
        app.secrets
            .store_rotation_rules(&secret_name, &rules, OffsetDateTime::now_utc())
            .await
            .expect("store the schedule");
        roles.push(ScheduledRole {
            secret_name,
            role,
            initial_password,
        });
    }
    roles
}

/// Moves the start of every scheduled secret's window to a minute ago, in one
/// statement, so that all of them fall due at the same moment.
pub async fn make_all_due(store: &mut PgConnection) -> u64 {
    sqlx::query(
        "UPDATE secrets SET next_rotation_at = (extract(epoch FROM now()) * 1000)::bigint - 60000 \
         WHERE rotation_enabled",
    )
    .execute(store)
    .await
    .expect("make the secrets due")
    .rows_affected()
}

/// Rotations that finished successfully.
pub async fn succeeded_rotations(store: &mut PgConnection) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM rotations WHERE status = 'succeeded'")
        .fetch_one(store)
        .await
        .expect("count rotations")
}
