//! Misbehaving rotators from `tests/rotators/`: each is installed with
//! `tumbler rotator install` and run against a secret. The step fails with a
//! message that names the cause, AWSCURRENT keeps the old value, and the
//! process keeps working.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tumbler_tests::fixtures::fixture_path;

use crate::support::{Tumbler, binary_path};

/// A JSON object, so the SDK's default createSecret can copy it.
const VALUE: &str = r#"{"username":"sandbox_user","password":"sandbox-Old-Password-1"}"#;

/// Installs fixture `behaviour` under its own name, creates a secret and
/// rotates it once with `extra` arguments. Returns the failed rotation's
/// stderr after checking that AWSCURRENT kept its value.
fn rotation_fails(tumbler: &Tumbler, behaviour: &str, extra: &[&str]) -> String {
    let path = fixture_path(behaviour);
    tumbler.ok(&["rotator", "install", behaviour, path.to_str().expect("UTF-8 path")]);
    let secret = format!("sandbox/{behaviour}");
    tumbler.ok(&["secret", "create", &secret, "--secret-string", VALUE]);

    let mut args = vec!["secret", "rotate", secret.as_str(), "--rotator", behaviour];
    args.extend_from_slice(extra);
    let run = tumbler.run(&args);
    assert!(!run.success(), "the rotation with {behaviour} fails");
    // A panic in the host exits with 101, and a failed rotation with 1. The
    // guest's own panic message may appear in stderr as rotator output.
    assert_eq!(run.status.code(), Some(1), "the host does not panic:\n{}", run.stderr);
    assert!(run.stderr.contains("failed at setSecret"), "the step is named:\n{}", run.stderr);

    let current = tumbler.secret_string(&secret, "AWSCURRENT");
    assert!(current == VALUE, "AWSCURRENT still holds the old value after {behaviour}");
    let listed = tumbler.ok(&["secret", "list"]);
    assert!(listed.contains(&secret), "the store keeps working after {behaviour}");
    run.stderr
}

fn write_config(tumbler: &Tumbler, toml: &str) {
    std::fs::write(tumbler.data_dir().join("tumbler.toml"), toml).expect("write tumbler.toml");
}

#[test]
fn infinite_loop_hits_the_deadline() {
    let tumbler = Tumbler::new();
    write_config(&tumbler, "[rotation]\nstep_timeout_secs = 2\n");
    let stderr = rotation_fails(&tumbler, "infinite-loop", &[]);
    assert!(stderr.contains("ran past its deadline of 2s"), "the deadline is named:\n{stderr}");
}

#[test]
fn memory_bomb_hits_the_memory_limit() {
    let tumbler = Tumbler::new();
    write_config(&tumbler, "[rotation]\nmemory_limit_mib = 16\n");
    let stderr = rotation_fails(&tumbler, "memory-bomb", &[]);
    assert!(stderr.contains("memory limit"), "the memory limit is named:\n{stderr}");
    assert!(!stderr.contains("without reaching a memory limit"), "the limit stopped it:\n{stderr}");
}

#[test]
fn off_list_host_is_denied() {
    let tumbler = Tumbler::new();
    let stderr = rotation_fails(&tumbler, "egress-off-list", &["--allow-host", "postgres://127.0.0.1:5432"]);
    assert!(stderr.contains("postgres://127.0.0.2:5432 denied"), "the host is named:\n{stderr}");
    assert!(stderr.contains("not on the rotator's allow-list"), "the cause is named:\n{stderr}");
}

#[test]
fn metadata_address_is_denied_even_when_listed() {
    // The allow-list names the address, so only the address check stops the
    // connection, and it runs before any socket is opened.
    let tumbler = Tumbler::new();
    let stderr = rotation_fails(&tumbler, "egress-metadata", &["--allow-host", "postgres://169.254.169.254:80"]);
    assert!(stderr.contains("169.254.169.254"), "the address is named:\n{stderr}");
    assert!(stderr.contains("metadata service"), "the cause is named:\n{stderr}");
}

#[test]
fn unix_socket_host_is_denied() {
    let tumbler = Tumbler::new();
    let stderr = rotation_fails(&tumbler, "egress-unix-socket", &["--allow-host", "postgres://*:*"]);
    assert!(stderr.contains("/var/run/postgresql"), "the host is named:\n{stderr}");
    assert!(stderr.contains("Unix sockets"), "the cause is named:\n{stderr}");
}

#[test]
fn ungranted_secret_read_is_denied() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "sandbox/ungranted", "--secret-string", "sandbox-Other-Value-1"]);
    let stderr = rotation_fails(&tumbler, "read-ungranted", &[]);
    assert!(stderr.contains("denied"), "the error case is named:\n{stderr}");
    assert!(stderr.contains("no read access to secret"), "the cause is named:\n{stderr}");
    assert!(!stderr.contains("sandbox-Other-Value-1"), "the other secret's value is not shown");
}

#[test]
fn panic_is_reported_as_a_trap() {
    let tumbler = Tumbler::new();
    let stderr = rotation_fails(&tumbler, "trap-panic", &[]);
    assert!(stderr.contains("the rotator trapped"), "the trap is named:\n{stderr}");
    assert!(stderr.contains("deliberate panic in setSecret"), "the panic message is kept:\n{stderr}");
}

#[test]
fn unreachable_is_reported_as_a_trap() {
    let tumbler = Tumbler::new();
    let stderr = rotation_fails(&tumbler, "trap-unreachable", &[]);
    assert!(stderr.contains("the rotator trapped"), "the trap is named:\n{stderr}");
    assert!(stderr.contains("unreachable"), "the trap code is named:\n{stderr}");
}

#[test]
fn log_flood_is_truncated_with_a_marker() {
    let tumbler = Tumbler::new();
    let path = fixture_path("log-flood");
    tumbler.ok(&["rotator", "install", "log-flood", path.to_str().unwrap()]);
    tumbler.ok(&["secret", "create", "sandbox/flood", "--secret-string", VALUE]);

    let run = tumbler.run_with_env(
        &["secret", "rotate", "sandbox/flood", "--rotator", "log-flood"],
        &[("RUST_LOG", "info")],
    );
    assert!(run.success(), "a chatty rotator still rotates:\n{}", tail(&run.stderr));
    assert!(run.stderr.contains("rotator log truncated"), "the marker is logged:\n{}", tail(&run.stderr));
    assert!(run.stderr.contains("lines_dropped="), "the dropped lines are counted:\n{}", tail(&run.stderr));
    let kept = run.stderr.lines().filter(|line| line.contains("flood line")).count();
    // 4096 lines of about 1 KiB were written, and the default budget is 64 KiB.
    assert!(kept > 0, "the first lines are kept");
    assert!(kept <= 64, "at most 64 KiB of lines are kept, got {kept} lines");
    assert!(run.stderr.len() < 256 << 10, "stderr stays small: {} bytes", run.stderr.len());
}

fn tail(text: &str) -> &str {
    let start = text.len().saturating_sub(2000);
    let start = (start..text.len()).find(|index| text.is_char_boundary(*index)).unwrap_or(text.len());
    &text[start..]
}

/// A `tumbler serve` process that is killed on drop.
struct Server {
    child: Child,
    address: SocketAddr,
    log: mpsc::Receiver<String>,
    /// Kept open, so the server's later output does not hit a closed pipe.
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(tumbler: &Tumbler) -> Self {
        let mut command = Command::new(binary_path());
        command.args(["serve", "--listen", "127.0.0.1:0", "--allow-unauthenticated"]);
        tumbler.configure(&mut command);
        let mut child = command
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tumbler serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        // The listen address is on the line that announces the server, and the
        // lines before it are notices.
        let address = (&mut stdout)
            .lines()
            .take(20)
            .map_while(Result::ok)
            .find_map(|line| {
                line.split("http://")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                    .and_then(|address| address.parse().ok())
            })
            .expect("the server prints its listen address");

        let (sender, log) = mpsc::channel();
        let stderr = child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            address,
            log,
            _stdout: stdout,
        }
    }

    /// Sends one Secrets Manager request and returns the status and body.
    fn call(&self, operation: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let body = body.to_string();
        let mut stream = TcpStream::connect(self.address).expect("connect to the server");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("set a read timeout");
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: secretsmanager.{operation}\r\n\
             Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send the request");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read the response");
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line from {operation}"));
        let payload = response.split("\r\n\r\n").nth(1).unwrap_or_default();
        let json = serde_json::from_str(payload).unwrap_or(serde_json::Value::Null);
        (status, json)
    }

    /// Waits for a server log line that contains `text`, for at most `limit`.
    fn wait_for_log(&self, text: &str, limit: Duration) -> Option<String> {
        let deadline = std::time::Instant::now() + limit;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.log.recv_timeout(left) {
                Ok(line) if line.contains(text) => return Some(line),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    }
}

#[test]
fn server_keeps_serving_after_a_trapped_step() {
    let tumbler = Tumbler::new();
    let path = fixture_path("trap-panic");
    tumbler.ok(&["rotator", "install", "trap-panic", path.to_str().unwrap()]);
    tumbler.ok(&["secret", "create", "sandbox/served", "--secret-string", VALUE]);
    let mut server = Server::start(&tumbler);

    let (status, _) = server.call(
        "RotateSecret",
        &serde_json::json!({
            "SecretId": "sandbox/served",
            "ClientRequestToken": "sandbox-served-token-0000000000000001",
            "RotationLambdaARN": "arn:aws:lambda:us-east-1:000000000000:function:trap-panic",
        }),
    );
    assert_eq!(status, 200, "RotateSecret starts the rotation");
    let failure = server.wait_for_log("background rotation failed", Duration::from_secs(60));
    let failure = failure.expect("the server logs the failed rotation within 60 s");
    assert!(failure.contains("the rotator trapped"), "the log names the trap: {failure}");

    assert!(server.child.try_wait().expect("poll the server").is_none(), "the server is still running");
    let (status, body) = server.call("GetSecretValue", &serde_json::json!({ "SecretId": "sandbox/served" }));
    assert_eq!(status, 200, "a later request succeeds");
    assert!(body["SecretString"] == VALUE, "AWSCURRENT still holds the old value");
    let (status, body) = server.call("ListSecrets", &serde_json::json!({}));
    assert_eq!(status, 200, "ListSecrets succeeds");
    assert_eq!(body["SecretList"].as_array().map(Vec::len), Some(1), "the secret is listed");
}
