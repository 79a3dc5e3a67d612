//! `switchboard serve` as a process of its own, for what only a real process shows: a
//! replica that shares nothing with another but the database and the bus, and a replica
//! killed with SIGKILL (no shutdown, nothing flushed).

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::{Protocol, WsClient};

/// A running `switchboard serve` child process (killed when dropped).
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    client: reqwest::Client,
}

/// The address in the server's "Switchboard listening" log line (JSON log format).
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let entry: Value = serde_json::from_str(line).ok()?;
    if entry["fields"]["message"] != "Switchboard listening" {
        return None;
    }
    entry["fields"]["addr"].as_str()?.parse().ok()
}

impl Server {
    /// Start `switchboard serve` over `database_url` (already migrated) on a free
    /// loopback port, with `env` on top of the test defaults; return once it listens.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("SWITCHBOARD_ADDR", "127.0.0.1:0")
            .env("SWITCHBOARD_FILES", "memory:")
            .env("SWITCHBOARD_LOG_FORMAT", "json")
            .env("RUST_LOG", "info,sqlx=warn,sea_orm=warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("spawn switchboard serve");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<SocketAddr, String>>();
        // Read the log until the listening line; keep draining it after, so the child
        // never blocks on a full pipe.
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            let mut tx = Some(tx);
            let mut before = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                match (listening_addr(&line), tx.take()) {
                    (Some(addr), Some(tx)) => {
                        let _ = tx.send(Ok(addr));
                    }
                    (None, Some(waiting)) => {
                        before.push(line);
                        tx = Some(waiting);
                    }
                    _ => {}
                }
            }
            if let Some(tx) = tx {
                let _ = tx.send(Err(before.join("\n")));
            }
        });
        let addr = tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .expect("switchboard serve listens within 60 s")
            .expect("the log reader answers")
            .unwrap_or_else(|log| panic!("switchboard serve exited before listening:\n{log}"));
        Server {
            child,
            addr,
            client: reqwest::Client::new(),
        }
    }

    /// POST a GraphQL operation that must succeed; returns `data`.
    pub async fn gql_ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = super::post_graphql(
            &self.client,
            &format!("http://{}", self.addr),
            token,
            query,
            variables,
        )
        .await;
        super::data_of(body, query)
    }

    /// Send a message as the bearer of `token`; returns its global id.
    pub async fn send(&self, token: &str, chat: &str, content: &str) -> String {
        let data = self
            .gql_ok(token, super::SEND_MESSAGE, super::send_input(chat, content))
            .await;
        data["sendMessage"]["id"].as_str().unwrap().to_owned()
    }

    /// Open a subscription socket authenticated as `token`.
    pub async fn ws(&self, token: &str, protocol: Protocol) -> WsClient {
        super::ws_at(self.addr, token, protocol).await
    }

    /// SIGKILL, as a crashed or OOM-killed replica: no shutdown runs.
    pub async fn kill(&mut self) {
        self.child.kill().await.expect("kill switchboard serve");
    }
}
