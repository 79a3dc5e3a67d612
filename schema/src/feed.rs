//! A workspace's events in sequence order, without gaps or duplicates, for one
//! subscriber: live from the bus, and from the event log when the subscriber resumes
//! from a cursor, falls behind, or sees a gap (an event published out of order, or one
//! lost by a broker). The log is the record; the bus is only the fast path.

use std::collections::VecDeque;
use std::sync::Arc;

use resolvers::events::{Event, latest_seq, replay};
use tokio::sync::broadcast::{self, error::RecvError};

/// Events read from the log per refill.
const CHUNK: u64 = 500;

/// One subscriber's ordered view of its workspace's events.
pub struct Feed {
    rc: resolvers::Ctx,
    rx: broadcast::Receiver<Arc<Event>>,
    /// The last sequence number delivered (or skipped as already seen).
    last: i64,
    backlog: VecDeque<Arc<Event>>,
    refill: bool,
}

impl Feed {
    /// Start after `after` (an event sequence number), or from now.
    pub async fn start(rc: resolvers::Ctx, after: Option<i64>) -> resolvers::Result<Feed> {
        // Subscribe before reading the position: nothing can fall between the two.
        let rx = rc.bus.subscribe();
        let (last, refill) = match after {
            Some(seq) => (seq, true),
            None => (latest_seq(&rc.db, rc.workspace_id()).await?, false),
        };
        Ok(Feed {
            rc,
            rx,
            last,
            backlog: VecDeque::new(),
            refill,
        })
    }

    /// The context the feed reads with.
    pub fn ctx(&self) -> &resolvers::Ctx {
        &self.rc
    }

    /// The next event, or `None` when the bus closed.
    pub async fn next(&mut self) -> resolvers::Result<Option<Arc<Event>>> {
        loop {
            if let Some(ev) = self.backlog.pop_front() {
                if ev.seq <= self.last {
                    continue;
                }
                self.last = ev.seq;
                return Ok(Some(ev));
            }
            if self.refill {
                let chunk =
                    replay(&self.rc.db, self.rc.workspace_id(), self.last, None, CHUNK).await?;
                if chunk.is_empty() {
                    self.refill = false;
                } else {
                    self.backlog.extend(chunk);
                }
                continue;
            }
            match self.rx.recv().await {
                Ok(ev) => {
                    if ev.workspace_id != self.rc.workspace_id() || ev.seq <= self.last {
                        continue;
                    }
                    if ev.seq > self.last + 1 {
                        // Something in between has not reached us (yet): the log has it,
                        // committed before this one.
                        self.refill = true;
                        continue;
                    }
                    self.last = ev.seq;
                    return Ok(Some(ev));
                }
                Err(RecvError::Lagged(_)) => self.refill = true,
                Err(RecvError::Closed) => return Ok(None),
            }
        }
    }
}
