//! Keyset pagination shared by GraphQL connections and the REST cursors.
//!
//! A cursor is the opaque, URL-safe encoding of a row id; pages are `WHERE id < cursor`
//! (newest first) or `WHERE id > cursor` (oldest first), so a page costs one indexed
//! range scan however deep it is, and rows inserted meanwhile never shift a page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{Error, Result};

/// The default page size when `first` is absent.
pub const DEFAULT_PAGE: u64 = 20;
/// The largest page a caller may ask for.
pub const MAX_PAGE: u64 = 100;

/// A validated page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageArgs {
    /// Rows wanted, 1..=limit.
    pub first: u64,
    /// Continue after this row id (exclusive).
    pub after: Option<i64>,
}

impl PageArgs {
    /// Validate `first` (1..=100, default 20) and decode `after`.
    pub fn parse(first: Option<i32>, after: Option<&str>) -> Result<Self> {
        Self::parse_with(first, after, DEFAULT_PAGE, MAX_PAGE)
    }

    /// Like [`PageArgs::parse`] with a custom default and maximum.
    pub fn parse_with(
        first: Option<i32>,
        after: Option<&str>,
        default: u64,
        max: u64,
    ) -> Result<Self> {
        let first = match first {
            None => default,
            Some(n) => match u64::try_from(n) {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    return Err(Error::invalid(
                        "first",
                        format!("must be between 1 and {max}, got {n}"),
                    ));
                }
            },
        };
        let after = after.map(decode_cursor).transpose()?;
        Ok(PageArgs { first, after })
    }

    /// The number of rows to fetch: one more than asked, to learn whether more exist.
    pub fn fetch(&self) -> u64 {
        self.first + 1
    }
}

/// One page of rows.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The rows, in page order.
    pub items: Vec<T>,
    /// Whether more rows follow the last one.
    pub has_next: bool,
    /// Whether rows precede the first one (true when the page continued a cursor).
    pub has_prev: bool,
}

impl<T> Page<T> {
    /// Build a page from `fetch()` rows: drops the probe row and sets `has_next`.
    pub fn from_probe(mut rows: Vec<T>, args: &PageArgs) -> Self {
        let limit = usize::try_from(args.first).unwrap_or(usize::MAX);
        let has_next = rows.len() > limit;
        rows.truncate(limit);
        Page {
            items: rows,
            has_next,
            has_prev: args.after.is_some(),
        }
    }

    /// Transform the rows, keeping the paging facts.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            has_prev: self.has_prev,
        }
    }
}

/// Encode a row id as an opaque cursor.
pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("c:{id}"))
}

/// Decode a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<i64> {
    let bad = || Error::invalid("after", "not a valid cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
    text.strip_prefix("c:")
        .and_then(|id| id.parse::<i64>().ok())
        .ok_or_else(bad)
}

/// A keyset position in a sorted list: the sort value of a row (its id when the list is
/// sorted by id, a timestamp in microseconds otherwise) and its id, the tie-breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// The row's sort value.
    pub sort: i64,
    /// The row's id.
    pub id: i64,
}

impl Key {
    /// The key of a list sorted by id.
    pub fn id(id: i64) -> Self {
        Key { sort: id, id }
    }
}

/// Where a [`Window`] starts reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seek {
    /// From the start of the list.
    Start,
    /// The rows after this position, in list order.
    After(Key),
    /// The rows just before this position (the page that precedes it), in list order.
    Before(Key),
}

/// A page request that can move both ways through a keyset-sorted list (REST cursors
/// that poll for newer rows as well as continue to older ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Rows wanted (already validated by the caller's edge).
    pub limit: u64,
    /// Where to start.
    pub seek: Seek,
}

/// One page read through a [`Window`], in list order.
#[derive(Clone, Debug)]
pub struct Slice<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Whether rows follow the last one (in list order).
    pub has_next: bool,
    /// Whether rows precede the first one.
    pub has_prev: bool,
}

impl Window {
    /// A window of `limit` rows from the start.
    pub fn first(limit: u64) -> Self {
        Window {
            limit,
            seek: Seek::Start,
        }
    }

    /// Restrict and order `q`, sorted by `sort` then `id` (`desc`: newest first). When
    /// the list is sorted by id, pass the id column as both.
    pub fn apply<E, C>(
        &self,
        q: sea_orm::Select<E>,
        sort: C,
        id: C,
        desc: bool,
    ) -> sea_orm::Select<E>
    where
        E: sea_orm::EntityTrait,
        C: sea_orm::ColumnTrait + Copy,
    {
        use sea_orm::{Condition, QueryFilter, QueryOrder, QuerySelect};
        let same = sort.as_str() == id.as_str();
        // Reading forward in list order means "greater" for ascending lists.
        let (key, forward) = match self.seek {
            Seek::Start => (None, true),
            Seek::After(k) => (Some(k), true),
            Seek::Before(k) => (Some(k), false),
        };
        let greater = forward != desc;
        let mut q = q;
        if let Some(k) = key {
            let cond = if same {
                if greater {
                    Condition::all().add(id.gt(k.id))
                } else {
                    Condition::all().add(id.lt(k.id))
                }
            } else {
                let at = micros_to_datetime(k.sort);
                if greater {
                    Condition::any()
                        .add(sort.gt(at))
                        .add(Condition::all().add(sort.eq(at)).add(id.gt(k.id)))
                } else {
                    Condition::any()
                        .add(sort.lt(at))
                        .add(Condition::all().add(sort.eq(at)).add(id.lt(k.id)))
                }
            };
            q = q.filter(cond);
        }
        let order = if greater {
            sea_orm::Order::Asc
        } else {
            sea_orm::Order::Desc
        };
        if !same {
            q = q.order_by(sort, order.clone());
        }
        q.order_by(id, order).limit(self.limit.saturating_add(1))
    }

    /// Turn the rows read by [`Window::apply`] into a page in list order.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> Slice<T> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        match self.seek {
            Seek::Start => Slice {
                items: rows,
                has_next: more,
                has_prev: false,
            },
            Seek::After(_) => Slice {
                items: rows,
                has_next: more,
                has_prev: true,
            },
            Seek::Before(_) => {
                rows.reverse();
                Slice {
                    items: rows,
                    has_next: true,
                    has_prev: more,
                }
            }
        }
    }
}

/// A timestamp as microseconds since the epoch (the sort value of a time-sorted [`Key`]).
pub fn datetime_to_micros(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_micros()
}

/// The inverse of [`datetime_to_micros`] (out-of-range values clamp to the epoch).
pub fn micros_to_datetime(micros: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(decode_cursor(&encode_cursor(42)).ok(), Some(42));
    }

    #[test]
    fn garbage_cursor_is_bad_input() {
        assert!(matches!(decode_cursor("!!"), Err(Error::Invalid { .. })));
        assert!(matches!(decode_cursor("Yzp4"), Err(Error::Invalid { .. })));
    }

    #[test]
    fn first_is_bounded() {
        assert!(PageArgs::parse(Some(0), None).is_err());
        assert!(PageArgs::parse(Some(101), None).is_err());
        assert_eq!(PageArgs::parse(None, None).ok().map(|a| a.first), Some(20));
        assert_eq!(
            PageArgs::parse(Some(100), None).ok().map(|a| a.first),
            Some(100)
        );
    }
}
