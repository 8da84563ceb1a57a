//! Test harness shared by the integration tests: starts the local AWS emulator
//! (tests/emulator, moto + CloudTrail/faults/call log) on a free port and builds real
//! AWS SDK clients pointed at it. Each integration test file includes it with `mod support;`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub mod clients;
pub mod trail;
#[allow(unused_imports)]
pub use clients::ClientOptions;

/// A running emulator process. Dropping it kills the process group.
pub struct Emulator {
    child: Child,
    url: String,
    // Held open: the emulator exits by itself when this pipe closes (test process died).
    _stdin: Option<ChildStdin>,
    agent: ureq::Agent,
    /// How long `start` waited for the URL line.
    pub startup: Duration,
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    match std::env::var_os("STRONGROOM_EMULATOR_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => manifest_dir().join(".venv-emulator/bin/python"),
    }
}

impl Emulator {
    /// Starts an emulator on a free port of 127.0.0.1 and waits until it answers.
    pub fn start() -> Emulator {
        Self::start_with_args(&[])
    }

    /// Like `start`, with extra command-line arguments (e.g. `--load FILE --shift-to-now`).
    pub fn start_with_args(args: &[&str]) -> Emulator {
        let python = python();
        if !python.exists() {
            panic!(
                "emulator Python {} not found: run scripts/test (or scripts/emulator-venv) first",
                python.display()
            );
        }
        let script = manifest_dir().join("tests/emulator/server.py");
        let stderr = if std::env::var_os("STRONGROOM_EMULATOR_STDERR").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        let began = Instant::now();
        let mut child = Command::new(&python)
            .arg(&script)
            .args(["--port", "0", "--exit-on-stdin-eof"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the emulator never blocks on a full pipe.
            let mut rest = String::new();
            while matches!(reader.read_line(&mut rest), Ok(n) if n > 0) {
                rest.clear();
            }
        });
        let line: String = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        let url = line.trim().to_string();
        let mut emulator = Emulator {
            _stdin: child.stdin.take(),
            child,
            url,
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(60))
                .build(),
            startup: began.elapsed(),
        };
        if !emulator.url.starts_with("http://") {
            let status = emulator.child.try_wait().ok().flatten();
            panic!(
                "the emulator did not print its URL (got {line:?}, exit status {status:?}); \
                 set STRONGROOM_EMULATOR_STDERR=1 to see its errors"
            );
        }
        emulator
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The strongroom binary pointed at this emulator with static credentials (`access_key`),
    /// no profile, config file or instance metadata of the machine, and `state` as its state
    /// directory.
    pub fn strongroom(&self, access_key: &str, state: &Path) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("strongroom").expect("the strongroom binary");
        cmd.env("AWS_ACCESS_KEY_ID", access_key)
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env("AWS_CONFIG_FILE", state.join("no-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", state.join("no-credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .arg("--endpoint-url")
            .arg(self.url())
            .arg("--state-dir")
            .arg(state);
        cmd
    }

    /// Calls the admin API (`/_strongroom/<path>`); panics unless it answers 2xx.
    pub fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        self.try_admin(method, path, body)
            .unwrap_or_else(|(status, text)| {
                panic!("{method} /_strongroom/{path}: {status} {text}")
            })
    }

    /// The admin API, returning `Err((status, body))` on a non-2xx answer.
    pub fn try_admin(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, (u16, String)> {
        let url = format!("{}/_strongroom/{path}", self.url);
        let request = self.agent.request(method, &url);
        let result = match body {
            Some(b) => request
                .set("Content-Type", "application/json")
                .send_string(&b.to_string()),
            None => request.call(),
        };
        match result {
            Ok(resp) => {
                let text = resp.into_string().expect("admin response body");
                Ok(serde_json::from_str(&text).expect("admin response is JSON"))
            }
            Err(ureq::Error::Status(code, resp)) => {
                Err((code, resp.into_string().unwrap_or_default()))
            }
            Err(e) => Err((0, e.to_string())),
        }
    }

    /// Every AWS request served so far, in order.
    pub fn calls(&self) -> Vec<Value> {
        match self.admin("GET", "calls", None) {
            Value::Array(calls) => calls,
            other => panic!("calls: expected an array, got {other}"),
        }
    }

    pub fn clear_calls(&self) {
        self.admin("DELETE", "calls", None);
    }

    /// Adds or replaces the fault rule for `region`+`service` (see tests/emulator/README.md).
    pub fn set_fault(&self, rule: Value) -> Value {
        self.admin("POST", "faults", Some(&rule))
    }

    pub fn faults(&self) -> Value {
        self.admin("GET", "faults", None)
    }

    pub fn clear_faults(&self) {
        self.admin("DELETE", "faults", None);
    }

    /// Loads CloudTrail records: `{"Records": [...], "shift_to_now": bool}`.
    pub fn load_events(&self, body: Value) -> Value {
        self.admin("POST", "events", Some(&body))
    }

    /// Loads a CloudTrail file as it is on disk.
    pub fn load_events_file(&self, path: &Path, shift_to_now: bool) -> Value {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let mut body: Value = serde_json::from_str(&text).expect("CloudTrail file is JSON");
        if shift_to_now {
            body["shift_to_now"] = json!(true);
        }
        self.load_events(body)
    }

    pub fn clear_events(&self) {
        self.admin("DELETE", "events", None);
    }

    /// Maps access key ids to identities: `{"AKIA...": {"type", "arn", "accountId", ...}}`.
    pub fn set_identities(&self, mapping: Value) -> Value {
        self.admin("POST", "identities", Some(&mapping))
    }

    /// e.g. `{"lookup_events_tps": 0}` (0 or null: unlimited).
    pub fn set_config(&self, config: Value) -> Value {
        self.admin("POST", "config", Some(&config))
    }

    /// Bulk-creates secrets in the backend: `{"account", "region", "secrets": [...]}`.
    /// Builds an organization: `{"management_account", "accounts": [{"id", "name", "ou",
    /// "state"}], "ous": ["Workloads/Prod"], "delegated_admins": [...]}`; answers the org,
    /// root and unit ids.
    pub fn set_org(&self, body: Value) -> Value {
        self.admin("POST", "org", Some(&body))
    }

    /// Registers assumable roles: `{"roles": [{"account", "name", "trusted_accounts",
    /// "external_id"}]}` (AssumeRole is then strict).
    pub fn set_roles(&self, body: Value) -> Value {
        self.admin("POST", "roles", Some(&body))
    }

    /// One account's regions: `{"account", "regions": {"af-south-1": "ENABLED"}}` or
    /// `{"account", "only": ["us-east-1"]}`.
    pub fn set_regions(&self, body: Value) -> Value {
        self.admin("POST", "regions", Some(&body))
    }

    pub fn seed(&self, body: Value) -> Value {
        self.admin("POST", "seed", Some(&body))
    }

    /// Polls `cond` every 20 ms until it holds or `timeout` passes.
    pub fn wait_until(&self, timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if cond() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: plain syscall; the group is the one the emulator was started in (process_group(0)).
        unsafe {
            libc::killpg(pid, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `../shared/datasets/cloudtrail` next to the repository, if present.
pub fn shared_cloudtrail_dir() -> Option<PathBuf> {
    let dir = manifest_dir().join("../shared/datasets/cloudtrail");
    dir.is_dir().then_some(dir)
}
