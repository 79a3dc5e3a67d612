//! Pure translations between Pachca's wire spellings and Switchboard's domain: dates,
//! cursors, page limits, roles. Unit-tested here; no I/O.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use resolvers::pagination::{Key, Seek, Slice, Window};
use resolvers::people::Role;

use super::error::Failure;
use super::wire::{Paginate, SearchPaginate};

/// `2024-01-15T07:30:00.000Z`: UTC with milliseconds (guide §7).
pub fn date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// [`date`] of an optional time.
pub fn date_opt(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(date)
}

/// Parse a client's date-time: RFC 3339 with or without milliseconds and offset (no
/// offset means UTC), or a plain `YYYY-MM-DD` (midnight UTC).
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
}

/// Parse the date-time of field `key`, or a 400 naming it.
pub fn parse_date_field(key: &str, text: &str) -> Result<DateTime<Utc>, Failure> {
    parse_date(text).ok_or_else(|| {
        Failure::bad_request(key, "must be a date-time such as 2024-01-15T07:30:00.000Z")
            .with_value(text)
    })
}

/// A page size: default and maximum `max`, 1..=max, else 400 on `limit`.
pub fn limit(given: Option<i64>, max: u64) -> Result<u64, Failure> {
    match given {
        None => Ok(max),
        Some(n) => match u64::try_from(n) {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(
                Failure::bad_request("limit", format!("must be between 1 and {max}"))
                    .with_value(n.to_string()),
            ),
        },
    }
}

/// Encode a cursor: which way it reads and from where.
pub fn encode_cursor(seek: Seek) -> String {
    let text = match seek {
        Seek::Start => "s".to_owned(),
        Seek::After(k) => format!("n:{}:{}", k.sort, k.id),
        Seek::Before(k) => format!("p:{}:{}", k.sort, k.id),
    };
    URL_SAFE_NO_PAD.encode(text)
}

/// Decode a cursor made by [`encode_cursor`]; anything else is a 400 on `cursor`.
pub fn decode_cursor(cursor: &str) -> Result<Seek, Failure> {
    let bad = || Failure::bad_request("cursor", "not a valid cursor").with_value(cursor);
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
    if text == "s" {
        return Ok(Seek::Start);
    }
    let mut parts = text.split(':');
    let (Some(dir), Some(sort), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let key = Key {
        sort: sort.parse().map_err(|_| bad())?,
        id: id.parse().map_err(|_| bad())?,
    };
    match dir {
        "n" => Ok(Seek::After(key)),
        "p" => Ok(Seek::Before(key)),
        _ => Err(bad()),
    }
}

/// The window of a list request: `limit` (default and max `max`) and `cursor`.
pub fn window(limit_given: Option<i64>, cursor: Option<&str>, max: u64) -> Result<Window, Failure> {
    Ok(Window {
        limit: limit(limit_given, max)?,
        seek: match cursor.filter(|c| !c.is_empty()) {
            Some(c) => decode_cursor(c)?,
            None => Seek::Start,
        },
    })
}

/// The four-key `paginate` meta of a page (guide §5): cursors are never null; an empty
/// page hands back cursors that stay valid for polling.
pub fn paginate<T>(window: &Window, slice: &Slice<T>, key: impl Fn(&T) -> Key) -> Paginate {
    let first = slice.items.first().map(&key);
    let last = slice.items.last().map(&key);
    let next = match (last, window.seek) {
        (Some(k), _) => Seek::After(k),
        (None, Seek::Before(k)) => Seek::After(k),
        (None, seek) => seek,
    };
    let prev = match (first, window.seek) {
        (Some(k), _) => Seek::Before(k),
        (None, Seek::After(k)) => Seek::Before(k),
        (None, seek) => seek,
    };
    Paginate {
        next_page: encode_cursor(next),
        prev_page: encode_cursor(prev),
        has_next: slice.has_next,
        has_prev: slice.has_prev,
    }
}

/// The search `paginate` meta: `next_page` is never null; at the end it yields `[]`.
pub fn search_paginate(next: Option<i64>, cursor_in: Option<&str>) -> SearchPaginate {
    SearchPaginate {
        next_page: match next {
            Some(id) => encode_cursor(Seek::After(Key::id(id))),
            None => cursor_in
                .map(str::to_owned)
                .unwrap_or_else(|| encode_cursor(Seek::After(Key::id(0)))),
        },
    }
}

/// The `after` id of a search request's cursor (searches read newest first by id).
pub fn search_after(cursor: Option<&str>) -> Result<Option<i64>, Failure> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => match decode_cursor(c)? {
            Seek::Start => Ok(None),
            Seek::After(k) | Seek::Before(k) => Ok(Some(k.id)),
        },
    }
}

/// A workspace role as Pachca spells it: owners and admins are `admin`, members `user`.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner | Role::Admin => "admin",
        Role::Member => "user",
        Role::Guest => "guest",
    }
}

/// A role given by a client (`admin|user|multi_guest|guest`).
pub fn parse_role(key: &str, text: &str) -> Result<Role, Failure> {
    match text {
        "admin" => Ok(Role::Admin),
        "user" => Ok(Role::Member),
        "multi_guest" | "guest" => Ok(Role::Guest),
        other => {
            Err(
                Failure::unprocessable(key, "inclusion", "must be one of admin, user, multi_guest")
                    .with_value(other),
            )
        }
    }
}

/// A custom property's data type as Pachca spells it (`text` is `string`).
pub fn data_type_name(stored: &str) -> String {
    match stored {
        "text" => "string".to_owned(),
        other => other.to_owned(),
    }
}

/// `first 8 + ... + last 4` of a token (AccessTokenInfo).
pub fn mask_token(visible_prefix: &str, last_four: &str) -> String {
    let head: String = visible_prefix.chars().take(8).collect();
    format!("{head}...{last_four}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_render_with_milliseconds_and_z() {
        let at = Utc.with_ymd_and_hms(2024, 1, 15, 7, 30, 0).unwrap();
        assert_eq!(date(at), "2024-01-15T07:30:00.000Z");
    }

    #[test]
    fn dates_parse_with_or_without_offset() {
        let want = Utc.with_ymd_and_hms(2024, 1, 16, 9, 0, 0).unwrap();
        assert_eq!(parse_date("2024-01-16T09:00:00+00:00"), Some(want));
        assert_eq!(parse_date("2024-01-16T12:00:00.000+03:00"), Some(want));
        assert_eq!(parse_date("2024-01-16T09:00:00"), Some(want));
        assert_eq!(parse_date("2024-01-16T09:00:00.000Z"), Some(want));
        assert!(parse_date("yesterday").is_none());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        for seek in [
            Seek::Start,
            Seek::After(Key { sort: 5, id: 7 }),
            Seek::Before(Key::id(-3)),
        ] {
            assert_eq!(decode_cursor(&encode_cursor(seek)).ok(), Some(seek));
        }
        assert!(decode_cursor("!!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("x:1:2")).is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(limit(None, 50).ok(), Some(50));
        assert_eq!(limit(Some(1), 50).ok(), Some(1));
        assert!(limit(Some(0), 50).is_err());
        assert!(limit(Some(51), 50).is_err());
    }

    #[test]
    fn an_empty_page_keeps_its_cursor() {
        let w = Window {
            limit: 10,
            seek: Seek::After(Key::id(9)),
        };
        let slice: Slice<i64> = Slice {
            items: vec![],
            has_next: false,
            has_prev: true,
        };
        let p = paginate(&w, &slice, |id| Key::id(*id));
        assert_eq!(p.next_page, encode_cursor(Seek::After(Key::id(9))));
        assert!(!p.prev_page.is_empty());
    }

    #[test]
    fn tokens_are_masked() {
        assert_eq!(mask_token("sbt_abcdef12", "wxyz"), "sbt_abcd...wxyz");
    }
}
