//! A GraphQL-over-WebSocket client speaking `graphql-transport-ws` or legacy `graphql-ws`.

use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The sub-protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws` (the graphql-ws library).
    TransportWs,
    /// Legacy `graphql-ws` (subscriptions-transport-ws).
    LegacyWs,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::LegacyWs => "graphql-ws",
        }
    }
}

/// What the server sent for one subscription.
#[derive(Debug)]
pub enum Event {
    /// A result payload (`{data, errors?}`).
    Next(Value),
    /// An error message for the subscription.
    Error(Value),
    /// The subscription completed.
    Complete,
    /// The socket closed (code, reason), shown through `Debug` in assertion messages.
    Closed(
        #[allow(dead_code, reason = "read through Debug")] Option<u16>,
        #[allow(dead_code, reason = "read through Debug")] String,
    ),
}

/// One WebSocket connection.
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    protocol: Protocol,
}

impl WsClient {
    /// Open a socket without initialising it.
    pub async fn open(addr: SocketAddr, protocol: Protocol) -> anyhow::Result<WsClient> {
        let mut req = format!("ws://{addr}/graphql/ws").into_client_request()?;
        req.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(protocol.name()),
        );
        let (socket, _) = tokio_tungstenite::connect_async(req).await?;
        Ok(WsClient { socket, protocol })
    }

    /// Open a socket, send `connection_init` with `payload`, wait for the ack.
    pub async fn connect(
        addr: SocketAddr,
        protocol: Protocol,
        payload: Value,
    ) -> anyhow::Result<WsClient> {
        let mut client = Self::open(addr, protocol).await?;
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await?;
        loop {
            match client.recv(Duration::from_secs(5)).await? {
                Some(msg) if msg["type"] == "connection_ack" => return Ok(client),
                Some(msg) if msg["type"] == "ka" => continue,
                Some(other) => anyhow::bail!("expected connection_ack, got {other}"),
                None => anyhow::bail!("socket closed before connection_ack"),
            }
        }
    }

    /// Send a JSON message.
    pub async fn send(&mut self, msg: Value) -> anyhow::Result<()> {
        self.socket.send(Frame::text(msg.to_string())).await?;
        Ok(())
    }

    /// Receive the next protocol message (answering pings), or `None` when closed.
    pub async fn recv(&mut self, timeout: Duration) -> anyhow::Result<Option<Value>> {
        loop {
            let frame = tokio::time::timeout(timeout, self.socket.next())
                .await
                .map_err(|_| anyhow::anyhow!("no message within {timeout:?}"))?;
            match frame {
                None => return Ok(None),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Frame::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str())?;
                    if v["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await?;
                        continue;
                    }
                    return Ok(Some(v));
                }
                Some(Ok(Frame::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (Some(u16::from(f.code)), f.reason.to_string()))
                        .unwrap_or((None, String::new()));
                    return Ok(Some(
                        json!({ "type": "__closed", "code": code, "reason": reason }),
                    ));
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Start subscription `id`.
    pub async fn subscribe(
        &mut self,
        id: &str,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<()> {
        let kind = match self.protocol {
            Protocol::TransportWs => "subscribe",
            Protocol::LegacyWs => "start",
        };
        self.send(json!({ "id": id, "type": kind, "payload": { "query": query, "variables": variables } }))
            .await
    }

    /// The next event for any subscription, within `timeout`.
    pub async fn next_event(
        &mut self,
        timeout: Duration,
    ) -> anyhow::Result<(Option<String>, Event)> {
        loop {
            let Some(msg) = self.recv(timeout).await? else {
                return Ok((None, Event::Closed(None, String::new())));
            };
            let id = msg["id"].as_str().map(str::to_owned);
            let event = match msg["type"].as_str().unwrap_or_default() {
                "next" | "data" => Event::Next(msg["payload"].clone()),
                "error" => Event::Error(msg["payload"].clone()),
                "complete" => Event::Complete,
                "ka" | "pong" => continue,
                "__closed" => Event::Closed(
                    msg["code"].as_u64().and_then(|c| u16::try_from(c).ok()),
                    msg["reason"].as_str().unwrap_or_default().to_owned(),
                ),
                other => anyhow::bail!("unexpected message type {other}: {msg}"),
            };
            return Ok((id, event));
        }
    }

    /// The next `data` payload, failing on anything else.
    pub async fn next_data(&mut self) -> Value {
        match self.next_event(Duration::from_secs(5)).await {
            Ok((_, Event::Next(payload))) => {
                assert!(
                    payload.get("errors").is_none_or(Value::is_null),
                    "subscription error: {payload}"
                );
                payload["data"].clone()
            }
            other => panic!("expected a subscription result, got {other:?}"),
        }
    }

    /// Assert that nothing arrives within `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Ok(Ok(event)) =
            tokio::time::timeout(wait, self.next_event(wait + Duration::from_secs(1))).await
        {
            panic!("expected no message, got {event:?}");
        }
    }

    /// Close the socket.
    pub async fn close(mut self) {
        let _ = self
            .socket
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "bye".into(),
            }))
            .await;
    }
}
