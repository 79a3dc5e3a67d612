//! Parsed GraphQL documents by query text.
//!
//! Clients send the same few documents over and over, and parsing one is a measurable part
//! of a small request (`bench/`, P1: the parser shows at the top of the profile of
//! `{ __typename }`). Every request still has its depth, directive count and rules
//! checked by the executor on the document it is handed; only the parse is skipped. A
//! document that fails to parse is not kept: the executor parses it again and reports the
//! error as usual.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::Request;
use async_graphql::parser::parse_query;
use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// A bounded, least-recently-used cache of parsed documents.
pub struct Documents {
    cache: Mutex<LruCache<String, ExecutableDocument>>,
    max_query_len: usize,
}

impl Default for Documents {
    fn default() -> Self {
        Documents::new(512, 16 * 1024)
    }
}

impl Documents {
    /// At most `capacity` documents, each of a query text of at most `max_query_len` bytes.
    pub fn new(capacity: usize, max_query_len: usize) -> Self {
        Documents {
            cache: Mutex::new(LruCache::new(
                NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN),
            )),
            max_query_len,
        }
    }

    /// Hand `request` its parsed document, from the cache or parsed now (and kept).
    pub fn prepare(&self, mut request: Request) -> Request {
        if request.query.len() > self.max_query_len {
            return request;
        }
        let cached = self.lock().get(&request.query).cloned();
        let doc = match cached {
            Some(doc) => doc,
            None => match parse_query(&request.query) {
                Ok(doc) => {
                    self.lock().put(request.query.clone(), doc.clone());
                    doc
                }
                Err(_) => return request,
            },
        };
        request.set_parsed_query(doc);
        request
    }

    /// Documents held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, ExecutableDocument>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_parsed_documents_and_skips_what_does_not_parse() {
        let docs = Documents::new(2, 64);
        let mut r = docs.prepare(Request::new("{ a }"));
        assert!(r.parsed_query().is_ok());
        docs.prepare(Request::new("{ a }"));
        assert_eq!(docs.len(), 1);
        // Not a document: left for the executor to report.
        docs.prepare(Request::new("{ a "));
        assert_eq!(docs.len(), 1);
        // Too long to keep.
        docs.prepare(Request::new(format!("{{ {} }}", "a ".repeat(40))));
        assert_eq!(docs.len(), 1);
        // Bounded: the least recently used goes.
        docs.prepare(Request::new("{ b }"));
        docs.prepare(Request::new("{ c }"));
        assert_eq!(docs.len(), 2);
    }
}
