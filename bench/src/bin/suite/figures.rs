//! The figures P1–P9: what runs against what, and how each becomes rows of the report.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use bench::{Manifest, Summary, ops, proc_memory};
use serde_json::{Value, json};

use crate::report::{Figure, Row, Status, ratios};
use crate::{
    PORT_PEER, PORT_PEER_START, PORT_REF_PG, PORT_REF_SQLITE, PORT_SB_PG, PORT_SB_SQLITE,
    PORT_START, PORT_WS, Partial, Suite, errors, gid, medians, procs, statements, url, wrk,
};

const KIB: f64 = 1024.0;

fn median(v: &[f64]) -> f64 {
    Summary::of(v).median
}

/// "SELECT … FROM users WHERE …" → "SELECT users": what a statement touches, for the
/// statement breakdown.
fn describe(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let verb = words.first().map(|w| w.to_uppercase()).unwrap_or_default();
    let after = |kw: &str| {
        words
            .iter()
            .position(|w| w.eq_ignore_ascii_case(kw))
            .and_then(|i| words.get(i + 1))
            .map(|t| {
                t.trim_matches('"')
                    .split('"')
                    .next()
                    .unwrap_or(t)
                    .to_owned()
            })
    };
    let table = match verb.as_str() {
        "INSERT" => after("INTO"),
        "UPDATE" => words.get(1).map(|t| t.trim_matches('"').to_owned()),
        _ => after("FROM"),
    }
    .unwrap_or_default();
    let shape = if sql.contains(" IN (") {
        " (batch IN)"
    } else if sql.contains("GROUP BY") {
        " (aggregate)"
    } else {
        ""
    };
    format!("{verb} {table}{shape}")
}

fn breakdown(stmts: &[String]) -> String {
    let mut order: Vec<(String, usize)> = Vec::new();
    for s in stmts {
        let d = describe(s);
        match order.iter_mut().find(|(k, _)| *k == d) {
            Some((_, n)) => *n += 1,
            None => order.push((d, 1)),
        }
    }
    order
        .iter()
        .map(|(d, n)| {
            if *n > 1 {
                format!("{d} ×{n}")
            } else {
                d.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// P4 (statements per request, in-process with the metric callback) on each database.
pub async fn p4(
    s: &mut Suite,
    sqlite: &Manifest,
    pg: Option<&Manifest>,
    p: &mut Partial,
) -> anyhow::Result<()> {
    let mut dbs = vec![("SQLite", sqlite)];
    if let Some(m) = pg {
        dbs.push(("PostgreSQL", m));
    }
    for (name, m) in dbs {
        eprintln!("  statements on {name}");
        let c = statements::count(m, &[1, 50]).await?;
        s.raw.insert(
            format!("p4_{}", name.to_lowercase()),
            serde_json::to_value(&c)?,
        );
        let at = |first: i64| {
            c.q3.iter()
                .find(|(f, _)| *f == first)
                .map(|(_, n)| *n as f64)
                .unwrap_or(f64::NAN)
        };
        let (one, twenty, hundred) = (at(1), at(20), at(100));
        let flat = one == twenty && twenty == hundred;
        p.p4.push(Row::new(format!("Q3 statements, first: 1 ({name})"), "").candidate(&[one]));
        p.p4.push(Row::new(format!("Q3 statements, first: 20 ({name})"), "").candidate(&[twenty]));
        p.p4.push(
            Row::new(format!("Q3 statements, first: 100 ({name})"), "")
                .candidate(&[hundred])
                .ratio(&[hundred / one])
                .target("equal at 1/20/100 and ≤ 4", Some(flat && hundred <= 4.0)),
        );
        p.p4.push(
            Row::new(format!("sendMessage statements ({name})"), "").candidate(&[c.send as f64]),
        );
        let per_event = |k: usize| {
            c.per_event
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| *v as f64)
                .unwrap_or(f64::NAN)
        };
        let (e1, e50) = (per_event(1), per_event(50));
        p.p4.push(
            Row::new(
                format!("statements per messageAdded event, 50 vs 1 subscriber ({name})"),
                "",
            )
            .candidate(&[e50])
            .reference("1 subscriber", &[e1])
            .ratio(&[e50 / e1.max(1.0)])
            .target("(design P5b: equal, ≤ 2)", None),
        );
        let unmatched = c
            .q3_statements
            .iter()
            .filter(|st| !bench::sql::is_reference(st))
            .count();
        p.p4_notes.push(format!(
            "{name}: Q3 at first: 20 runs {} statements: {}. {}",
            c.q3_statements.len(),
            breakdown(&c.q3_statements),
            if unmatched == 0 {
                "P2's hand-written handler runs exactly these statements (checked text for text)."
                    .to_owned()
            } else {
                format!("WARNING: {unmatched} of them differ from P2's hand-written SQL: update `bench::sql`.")
            }
        ));
        let per_subscriber = (e50 - e1) / 49.0;
        p.p4_notes.push(format!(
            "{name}: one sendMessage runs {} statements: {}; one event costs {e1} statement(s) with 1 subscriber and {e50} with 50 ({per_subscriber:.2} per subscriber{}).",
            c.send,
            breakdown(&c.send_statements),
            if per_subscriber >= 0.5 {
                ": the subscription's `author` is loaded per subscriber"
            } else {
                ": the event's `author` is loaded once for all subscribers"
            }
        ));
    }
    Ok(())
}

/// The Q3 body for page size `first`.
fn q3_body(m: &Manifest, first: i64) -> String {
    ops::body(
        ops::Q3,
        json!({"chat": gid(schema::ids::Kind::Chat, m.read_chat), "first": first}),
    )
}

/// Readers for the load: 200 users, each within its rate budget at any realistic rate.
const READERS: usize = 200;

/// Q3 at `first: 20` from 200 different users (the answer has no viewer-dependent field,
/// so every user gets the same bytes).
fn q3_lines(m: &Manifest) -> Vec<(String, String)> {
    let body = q3_body(m, 20);
    m.user_tokens
        .iter()
        .skip(1)
        .take(READERS)
        .map(|t| (t.clone(), body.clone()))
        .collect()
}

fn send_body(chat: i64, text: &str) -> String {
    ops::body(
        ops::SEND,
        json!({"chat": gid(schema::ids::Kind::Chat, chat), "content": text}),
    )
}

/// sendMessage requests rotating over (member, chat) pairs: P9's write load stays under
/// the per-credential and per-chat budgets, as the writes of many users would.
fn send_lines(m: &Manifest) -> anyhow::Result<Vec<(String, String)>> {
    let lines: Vec<(String, String)> = m
        .write_pairs
        .iter()
        .filter_map(|(t, chat)| {
            m.user_tokens
                .get(*t)
                .map(|tok| (tok.clone(), send_body(*chat, "p9 throughput")))
        })
        .collect();
    anyhow::ensure!(!lines.is_empty(), "the manifest has no write pairs; reseed");
    Ok(lines)
}

/// Where two byte strings first differ, for the report.
fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i))
}

fn same_bytes_note(what: &str, a: &[u8], b: &[u8]) -> String {
    match first_difference(a, b) {
        None => format!("{what}: identical bytes ({} B).", a.len()),
        Some(i) => format!(
            "{what}: answers DIFFER at byte {i} ({} B vs {} B): `{}` vs `{}`.",
            a.len(),
            b.len(),
            String::from_utf8_lossy(&a[i.min(a.len())..(i + 60).min(a.len())]),
            String::from_utf8_lossy(&b[i.min(b.len())..(i + 60).min(b.len())])
        ),
    }
}

/// A throughput row: candidate and reference req/s per repetition and their ratio.
fn rps_row(measure: &str, reference: &str, cand: &[wrk::Run], refr: &[wrk::Run]) -> Row {
    let c = medians(cand, |r| r.rps);
    let r = medians(refr, |r| r.rps);
    Row::new(measure, "req/s")
        .candidate(&c)
        .reference(reference, &r)
        .ratio(&ratios(&c, &r))
}

fn latency_note(label: &str, cand: &[wrk::Run], refr: &[wrk::Run], ref_label: &str) -> String {
    format!(
        "{label}: p50/p99 {:.2}/{:.2} ms vs {ref_label} {:.2}/{:.2} ms (medians); errors {} vs {}.",
        median(&medians(cand, |r| r.p50_ms)),
        median(&medians(cand, |r| r.p99_ms)),
        median(&medians(refr, |r| r.p50_ms)),
        median(&medians(refr, |r| r.p99_ms)),
        errors(cand),
        errors(refr)
    )
}

/// Sample the server's CPU profile with `perf` while wrk loads it (full mode only).
async fn profile(s: &Suite, pid: u32, target: &wrk::Target, key: &str) -> Option<Vec<String>> {
    let data = s.work.join(format!("{key}.perf.data"));
    let secs = s.plan.seconds.min(5);
    let mut rec = tokio::process::Command::new("taskset");
    rec.arg("-c")
        .arg(&s.opts.client_cpu)
        .args(["perf", "record", "-F", "499", "-o"])
        .arg(&data)
        .arg("-p")
        .arg(pid.to_string())
        .arg("--")
        .arg("sleep")
        .arg(secs.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let child = rec.spawn().ok()?;
    let _ = wrk::run(&s.load, target, secs).await;
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output()).await;
    let out = std::process::Command::new("perf")
        .arg("report")
        .arg("-i")
        .arg(&data)
        .args([
            "--stdio",
            "--no-children",
            "--sort",
            "dso,symbol",
            "--percent-limit",
            "1",
        ])
        .output()
        .ok()?;
    let dso = std::process::Command::new("perf")
        .arg("report")
        .arg("-i")
        .arg(&data)
        .args([
            "--stdio",
            "--no-children",
            "--sort",
            "dso",
            "--percent-limit",
            "2",
        ])
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&data);
    let by_dso: Vec<String> = String::from_utf8_lossy(&dso.stdout)
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains('%'))
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect();
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains('%'))
        .map(|l| {
            l.split_whitespace()
                .filter(|w| *w != "-" && *w != "[.]" && *w != "[k]")
                .collect::<Vec<_>>()
                .join(" ")
        })
        .take(25)
        .collect();
    let mut all = vec![format!("by binary: {}", by_dso.join(", "))];
    all.extend(lines);
    (all.len() > 1).then_some(all)
}

/// P2 on one database: Switchboard vs the hand-written handler (and, in full mode, its
/// diagnostic variants and a CPU profile).
async fn p2(
    s: &mut Suite,
    p: &mut Partial,
    m: &Manifest,
    db: &str,
    gql: &str,
    ref_port: u16,
    pid: u32,
) -> anyhow::Result<()> {
    let body = q3_body(m, 20);
    let token = Some(m.owner_token.as_str());
    let ref_url = url(ref_port, "/ref/q3");
    let ours = s.fetch(gql, &body, token).await?;
    let theirs = s.fetch(&ref_url, &body, token).await?;
    p.p2_notes.push(same_bytes_note(
        &format!("{db} Q3 (first: 20): Switchboard vs hand-written sqlx handler"),
        &ours,
        &theirs,
    ));
    let key = db.to_lowercase();
    let lines = q3_lines(m);
    // One request list per database: each database's seed has its own tokens.
    let list = format!("q3-20-{key}");
    let mut targets = vec![
        s.target_lines(&format!("sb q3 {key}"), gql.to_owned(), &list, &lines)?,
        s.target_lines(&format!("ref q3 {key}"), ref_url.clone(), &list, &lines)?,
    ];
    if s.plan.extra {
        for mode in ["each", "twice"] {
            let u = format!("{ref_url}?mode={mode}");
            s.fetch(&u, &body, token).await?;
            targets.push(s.target_lines(&format!("ref q3 {mode} {key}"), u, &list, &lines)?);
        }
    }
    let runs = s.compare(&format!("p2_{key}"), &targets).await?;
    let row = rps_row(
        &format!("Q3 chat → 20 messages → author + reactions, {db}"),
        "sqlx handler: same 4 statements, one connection",
        &runs[0],
        &runs[1],
    );
    let pass = row.ratio.as_ref().map(|r| r.median >= 0.7);
    p.p2.push(row.target("≥ 0.7", pass));
    p.p2_notes.push(latency_note(
        &format!("{db} Q3"),
        &runs[0],
        &runs[1],
        "sqlx handler",
    ));
    let labels = [
        "sqlx handler: same 4 statements, a pool checkout per statement (as sea-orm)",
        "sqlx handler: 5 statements (access decided twice), one connection",
    ];
    for (i, label) in labels.iter().enumerate() {
        if let Some(variant) = runs.get(i + 2) {
            p.p2.push(
                rps_row(
                    &format!("same, {db}, vs a variant handler (diagnostic)"),
                    label,
                    &runs[0],
                    variant,
                )
                .target("(diagnostic)", None),
            );
        }
    }
    if s.plan.extra {
        // Unloaded latency: one connection, one request at a time.
        let single = wrk::Load {
            connections: 1,
            seconds: 3,
            ..s.load.clone()
        };
        let pair = [targets[0].clone(), targets[1].clone()];
        let runs = wrk::interleaved(&single, &pair, 3, 1).await?;
        s.raw
            .insert(format!("p2_{key}_c1"), serde_json::to_value(&runs)?);
        let c = medians(&runs[0], |r| r.p50_ms);
        let r = medians(&runs[1], |r| r.p50_ms);
        p.p2.push(
            Row::new(format!("unloaded latency p50 (1 connection), {db}"), "ms")
                .candidate(&c)
                .reference("sqlx handler: same 4 statements, one connection", &r)
                .ratio(&ratios(&c, &r))
                .target("(diagnostic)", None),
        );
    }
    if s.plan.extra
        && let Some(lines) = profile(s, pid, &targets[0], &format!("p2_{key}_profile")).await
    {
        p.p2_notes.push(format!(
            "perf profile of Switchboard under the {db} Q3 load (top symbols by self time): {}",
            lines
                .iter()
                .take(12)
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join("; ")
        ));
        s.raw.insert(format!("p2_{key}_profile"), json!(lines));
    }
    Ok(())
}

/// REST GET lines for P8: the façade's message list from the same 200 readers as Q3.
fn p8_rest_lines(m: &Manifest) -> Vec<(String, String)> {
    let path = ops::rest_messages(m.read_chat, 20);
    m.user_tokens
        .iter()
        .skip(1)
        .take(READERS)
        .map(|t| (t.clone(), path.clone()))
        .collect()
}

/// P8's GraphQL twin from the same 200 readers.
fn p8_gql_lines(m: &Manifest) -> Vec<(String, String)> {
    let body = ops::body(
        ops::P8_GQL,
        json!({"chat": gid(schema::ids::Kind::Chat, m.read_chat), "first": 20}),
    );
    m.user_tokens
        .iter()
        .skip(1)
        .take(READERS)
        .map(|t| (t.clone(), body.clone()))
        .collect()
}

/// P8 on one database: the Pachca façade's `GET /messages?chat_id=&limit=20` vs its
/// GraphQL twin (`ops::P8_GQL`) on the same server, interleaved; and the statements of
/// each (in-process, with the metric callback).
async fn p8(
    s: &mut Suite,
    p: &mut Partial,
    m: &Manifest,
    db: &str,
    port: u16,
) -> anyhow::Result<()> {
    let key = db.to_lowercase();
    let path = ops::rest_messages(m.read_chat, 20);
    let rest_url = url(port, &path);
    let gql = url(port, "/graphql");
    let gql_body = ops::body(
        ops::P8_GQL,
        json!({"chat": gid(schema::ids::Kind::Chat, m.read_chat), "first": 20}),
    );
    // Same rows, same order: the façade's `data[].id` vs the twin's `databaseId`s.
    let rest_bytes = s.fetch_get(&rest_url, &m.owner_token).await?;
    let gql_bytes = s
        .fetch(&gql, &gql_body, Some(m.owner_token.as_str()))
        .await?;
    let rest: Value = serde_json::from_slice(&rest_bytes)?;
    let ours: Value = serde_json::from_slice(&gql_bytes)?;
    let rest_ids: Vec<i64> = rest
        .pointer("/data")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|m| m["id"].as_i64()).collect())
        .unwrap_or_default();
    let gql_ids: Vec<i64> = ours
        .pointer("/data/chat/messages/edges")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| e.pointer("/node/databaseId").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default();
    p.p8_notes.push(if rest_ids == gql_ids && rest_ids.len() == 20 {
        format!(
            "{db}: both answer the same 20 messages in the same order ({} B of JSON from the façade, {} B from GraphQL).",
            rest_bytes.len(),
            gql_bytes.len()
        )
    } else {
        format!(
            "{db}: WARNING: the answers differ ({} vs {} messages).",
            rest_ids.len(),
            gql_ids.len()
        )
    });
    let targets = [
        s.target_get_lines(
            &format!("rest messages {key}"),
            rest_url,
            "p8-rest",
            &p8_rest_lines(m),
        )?,
        s.target_lines(
            &format!("gql p8 twin {key}"),
            gql,
            "p8-gql",
            &p8_gql_lines(m),
        )?,
    ];
    let runs = s.compare(&format!("p8_{key}"), &targets).await?;
    let row = rps_row(
        &format!("REST `GET /messages?chat_id=…&limit=20`, {db}"),
        "GraphQL twin: `chat(id) { messages(first: 20) { … } }`",
        &runs[0],
        &runs[1],
    );
    let pass = row.ratio.as_ref().map(|r| r.median >= 0.9);
    p.p8.push(row.target("≥ 0.9", pass));
    let c = medians(&runs[0], |r| r.p99_ms);
    let r = medians(&runs[1], |r| r.p99_ms);
    p.p8.push(
        Row::new(format!("p99 latency, {db}"), "ms")
            .candidate(&c)
            .reference("GraphQL twin", &r)
            .ratio(&ratios(&c, &r))
            .target("(lower is better)", None),
    );
    p.p8_notes.push(latency_note(
        &format!("{db} façade read"),
        &runs[0],
        &runs[1],
        "GraphQL twin",
    ));
    match statements::count_p8(m).await {
        Ok(c) => {
            s.raw
                .insert(format!("p8_statements_{key}"), serde_json::to_value(&c)?);
            let (a, b) = (c.rest.len() as f64, c.graphql.len() as f64);
            p.p8.push(
                Row::new(format!("statements per request, {db}"), "")
                    .candidate(&[a])
                    .reference("GraphQL twin", &[b])
                    .ratio(&[a / b.max(1.0)])
                    .target("(design: same count)", None),
            );
            p.p8_notes.push(format!(
                "{db} statements — façade: {}; GraphQL twin: {}.",
                breakdown(&c.rest),
                breakdown(&c.graphql)
            ));
        }
        Err(e) => p
            .p8_notes
            .push(format!("{db}: counting P8's statements failed: {e:#}")),
    }
    Ok(())
}

/// P1, P2 and P9 (throughput) on SQLite.
pub async fn group_sqlite(
    s: &mut Suite,
    m: &Manifest,
    manifest: &Path,
    p: &mut Partial,
) -> anyhow::Result<()> {
    if !(s.wanted("P1") || s.wanted("P2") || s.wanted("P8") || s.wanted("P9")) {
        return Ok(());
    }
    let sb = s
        .switchboard("sb-sqlite", &m.database_url, PORT_SB_SQLITE, &[])
        .await?;
    // P1's fixtures: Switchboard's own answers, served verbatim by the raw route.
    let fixtures = s.work.join("fixtures");
    std::fs::create_dir_all(&fixtures)?;
    let type_body = ops::body(ops::TYPE_READ, Value::Null);
    let typename_body = ops::body(ops::TYPENAME, Value::Null);
    let gql = url(PORT_SB_SQLITE, "/graphql");
    let type_bytes = s.fetch(&gql, &type_body, None).await?;
    let typename_bytes = s.fetch(&gql, &typename_body, None).await?;
    std::fs::write(fixtures.join("type.json"), &type_bytes)?;
    std::fs::write(fixtures.join("typename.json"), &typename_bytes)?;
    let rf = s
        .refserver("ref-sqlite", manifest, &m.database_url, PORT_REF_SQLITE)
        .await?;

    if s.wanted("P1") {
        for (name, body, ours) in [
            ("typename", &typename_body, &typename_bytes),
            ("type", &type_body, &type_bytes),
        ] {
            let raw = s
                .fetch(&url(PORT_REF_SQLITE, &format!("/raw/{name}")), body, None)
                .await?;
            p.p1_notes.push(same_bytes_note(
                &format!("`{name}` read: Switchboard vs raw route"),
                ours,
                &raw,
            ));
        }
        let mut pairs = vec![("typename", typename_body.clone(), "`{ __typename }`", true)];
        if s.plan.extra {
            pairs.push((
                "type",
                type_body.clone(),
                "DB-free read: `__type(name: \"Message\")` introspection (3.6 KB)",
                false,
            ));
        }
        for (name, body, label, binding) in pairs {
            let targets = [
                s.target(
                    &format!("sb {name}"),
                    gql.clone(),
                    &format!("p1-{name}"),
                    &body,
                    None,
                )?,
                s.target(
                    &format!("raw {name}"),
                    url(PORT_REF_SQLITE, &format!("/raw/{name}")),
                    &format!("p1-{name}"),
                    &body,
                    None,
                )?,
            ];
            let runs = s.compare(&format!("p1_{name}"), &targets).await?;
            let row = rps_row(label, "raw axum route, same bytes", &runs[0], &runs[1]);
            let pass = row.ratio.as_ref().map(|r| r.median >= 0.5);
            p.p1.push(if binding {
                row.target("≥ 0.5", pass)
            } else {
                row.target("(diagnostic: per-field executor cost)", None)
            });
            p.p1_notes
                .push(latency_note(label, &runs[0], &runs[1], "raw route"));
            if s.plan.extra
                && binding
                && let Some(lines) = profile(s, sb.pid, &targets[0], "p1_profile").await
            {
                p.p1_notes.push(format!(
                    "perf profile of Switchboard under the `{{ __typename }}` load (top symbols by self time): {}",
                    lines.iter().take(12).map(|l| format!("`{l}`")).collect::<Vec<_>>().join("; ")
                ));
                s.raw.insert("p1_profile".into(), json!(lines));
            }
        }
    }

    if s.wanted("P2") {
        p2(s, p, m, "SQLite", &gql, PORT_REF_SQLITE, sb.pid).await?;
    }

    if s.wanted("P8") {
        p8(s, p, m, "SQLite", PORT_SB_SQLITE).await?;
    }

    if s.wanted("P9") {
        let lines = send_lines(m)?;
        s.fetch(&gql, &lines[0].1, Some(lines[0].0.as_str()))
            .await?;
        s.fetch(&url(PORT_REF_SQLITE, "/ref/insert"), &lines[0].1, None)
            .await?;
        let targets = [
            s.target_lines("sb send sqlite", gql.clone(), "send", &lines)?,
            s.target_lines(
                "ref insert sqlite",
                url(PORT_REF_SQLITE, "/ref/insert"),
                "send",
                &lines,
            )?,
        ];
        let runs = s.compare("p9_sqlite", &targets).await?;
        let row = rps_row(
            "durable sendMessage, SQLite (WAL, synchronous=FULL)",
            "raw single-row INSERT, same pool",
            &runs[0],
            &runs[1],
        );
        let pass = row.ratio.as_ref().map(|r| r.median >= 0.4);
        p.p9.push(row.target("≥ 0.4", pass));
        p.p9_notes.push(latency_note(
            "SQLite writes",
            &runs[0],
            &runs[1],
            "raw INSERT",
        ));
    }
    sb.stop().await;
    rf.stop().await;
    Ok(())
}

/// pg_stat_statements: statements per request of the server behind `target` (sequential
/// requests), counting only the benchmark database.
async fn pg_statements(
    s: &Suite,
    pg_url: &str,
    target_url: &str,
    body: &str,
    token: Option<&str>,
    requests: usize,
) -> anyhow::Result<f64> {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let (base, dbname) = pg_url.rsplit_once('/').context("database name")?;
    let admin = Database::connect(format!("{base}/postgres")).await?;
    let backend = admin.get_database_backend();
    admin
        .execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .await?;
    s.fetch(target_url, body, token).await?;
    admin
        .execute_unprepared("SELECT pg_stat_statements_reset()")
        .await?;
    for _ in 0..requests {
        s.fetch(target_url, body, token).await?;
    }
    let row = admin
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT COALESCE(SUM(s.calls), 0)::bigint AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1",
            [dbname.split('?').next().unwrap_or(dbname).into()],
        ))
        .await?
        .context("no row")?;
    let n: i64 = row.try_get("", "n")?;
    admin.close().await?;
    Ok(n as f64 / requests as f64)
}

/// P2 and P9 on PostgreSQL, and P3 against PostGraphile on the same database.
pub async fn group_pg(
    s: &mut Suite,
    m: &Manifest,
    manifest: &Path,
    p: &mut Partial,
) -> anyhow::Result<()> {
    if !(s.wanted("P2") || s.wanted("P3") || s.wanted("P4") || s.wanted("P8") || s.wanted("P9")) {
        return Ok(());
    }
    let pg_url = m.database_url.clone();
    let sb = s.switchboard("sb-pg", &pg_url, PORT_SB_PG, &[]).await?;
    let rf = s
        .refserver("ref-pg", manifest, &pg_url, PORT_REF_PG)
        .await?;
    let gql = url(PORT_SB_PG, "/graphql");
    let token = Some(m.owner_token.as_str());
    let body = q3_body(m, 20);

    if s.wanted("P2") {
        p2(s, p, m, "PostgreSQL", &gql, PORT_REF_PG, sb.pid).await?;
    }

    if s.wanted("P8") {
        p8(s, p, m, "PostgreSQL", PORT_SB_PG).await?;
    }

    if s.opts.pg_stat_statements && s.wanted("P4") {
        match pg_statements(s, &pg_url, &gql, &body, token, 20).await {
            Ok(n) => p.p4.push(
                Row::new(
                    "Q3 statements, first: 20, PostgreSQL server's count (pg_stat_statements)",
                    "",
                )
                .candidate(&[n]),
            ),
            Err(e) => p
                .p4_notes
                .push(format!("pg_stat_statements cross-check failed: {e:#}")),
        }
    }

    if s.wanted("P3") {
        match s.peer_paths() {
            None => {
                p.p3_status = Some(Status::Skipped(
                    "PostGraphile is not installed (bench/run.sh installs `node@22` and `postgraphile@5` into bench/peers/; the install failed or was skipped)".into(),
                ));
            }
            Some(_) => {
                let (peer, startup) = s.postgraphile(PORT_PEER, &pg_url).await?;
                p.p3_notes.push(format!(
                    "PostGraphile started in {:.0} ms (exec → first 200), single Node process (its default), Amber preset, no auth (it runs as the database owner; Switchboard authenticates every request with 2 statements).",
                    startup.as_secs_f64() * 1e3
                ));
                let peer_body = ops::body(
                    ops::PG_Q3,
                    json!({"chat": m.read_chat.to_string(), "first": 20}),
                );
                let peer_url = url(PORT_PEER, "/graphql");
                let theirs: Value =
                    serde_json::from_slice(&s.fetch(&peer_url, &peer_body, None).await?)?;
                let ours: Value = serde_json::from_slice(&s.fetch(&gql, &body, token).await?)?;
                let contents = |v: &Value, path: &str| -> Vec<String> {
                    v.pointer(path)
                        .and_then(Value::as_array)
                        .map(|edges| {
                            edges
                                .iter()
                                .filter_map(|e| e.pointer("/node/content").and_then(Value::as_str))
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let a = contents(&ours, "/data/chat/messages/edges");
                let b = contents(&theirs, "/data/chatByRowId/messagesByChatId/edges");
                p.p3_notes.push(if a == b && a.len() == 20 {
                    "Both answer the same 20 messages in the same order.".to_owned()
                } else {
                    format!(
                        "WARNING: the answers differ ({} vs {} messages).",
                        a.len(),
                        b.len()
                    )
                });
                let targets = [
                    s.target_lines("sb q3 pg", gql.clone(), "q3-20-pg", &q3_lines(m))?,
                    s.target(
                        "postgraphile q3",
                        peer_url.clone(),
                        "pg-q3-20",
                        &peer_body,
                        None,
                    )?,
                ];
                let runs = s.compare("p3", &targets).await?;
                let ours_p99 = median(&medians(&runs[0], |r| r.p99_ms));
                let their_p99 = median(&medians(&runs[1], |r| r.p99_ms));
                let row = rps_row(
                    "Q3 throughput, PostgreSQL (32 connections)",
                    "PostGraphile 5",
                    &runs[0],
                    &runs[1],
                );
                let pass = row
                    .ratio
                    .as_ref()
                    .map(|r| r.median >= 3.0 && ours_p99 <= their_p99);
                p.p3.push(row.target("≥ 3× at ≤ its p99", pass));
                let c = medians(&runs[0], |r| r.p99_ms);
                let r = medians(&runs[1], |r| r.p99_ms);
                p.p3.push(
                    Row::new("Q3 p99 latency", "ms")
                        .candidate(&c)
                        .reference("PostGraphile 5", &r)
                        .ratio(&ratios(&c, &r))
                        .target("≤ 1.0 (part of the goal above)", None),
                );
                let (sb_rss, sb_hwm) = proc_memory(sb.pid).unwrap_or((0, 0));
                let (pe_rss, pe_hwm) = proc_memory(peer.pid).unwrap_or((0, 0));
                let mb = |kib: u64| kib as f64 / 1024.0;
                p.p3.push(
                    Row::new("RSS after the load", "MiB")
                        .candidate(&[mb(sb_rss)])
                        .reference("PostGraphile 5", &[mb(pe_rss)])
                        .ratio(&[sb_rss as f64 / pe_rss.max(1) as f64])
                        .target("(design: ≤ 0.25×)", None),
                );
                p.p3.push(
                    Row::new("peak RSS (VmHWM)", "MiB")
                        .candidate(&[mb(sb_hwm)])
                        .reference("PostGraphile 5", &[mb(pe_hwm)])
                        .ratio(&[sb_hwm as f64 / pe_hwm.max(1) as f64]),
                );
                p.p3_notes.push(latency_note(
                    "Q3 on PostgreSQL",
                    &runs[0],
                    &runs[1],
                    "PostGraphile",
                ));
                if s.opts.pg_stat_statements
                    && let Ok(n) = pg_statements(s, &pg_url, &peer_url, &peer_body, None, 20).await
                {
                    p.p4.push(
                        Row::new("Q3 statements, first: 20, PostGraphile 5 (pg_stat_statements, for comparison)", "")
                            .candidate(&[n]),
                    );
                }
                peer.stop().await;
            }
        }
    }

    if s.wanted("P9") {
        let lines = send_lines(m)?;
        s.fetch(&gql, &lines[1].1, Some(lines[1].0.as_str()))
            .await?;
        s.fetch(&url(PORT_REF_PG, "/ref/insert"), &lines[1].1, None)
            .await?;
        let targets = [
            s.target_lines("sb send pg", gql.clone(), "send", &lines)?,
            s.target_lines(
                "ref insert pg",
                url(PORT_REF_PG, "/ref/insert"),
                "send",
                &lines,
            )?,
        ];
        let runs = s.compare("p9_pg", &targets).await?;
        let row = rps_row(
            "durable sendMessage, PostgreSQL (fsync on, synchronous_commit on)",
            "raw single-row INSERT, same pool",
            &runs[0],
            &runs[1],
        );
        let pass = row.ratio.as_ref().map(|r| r.median >= 0.4);
        p.p9.push(row.target("≥ 0.4", pass));
        p.p9_notes.push(latency_note(
            "PostgreSQL writes",
            &runs[0],
            &runs[1],
            "raw INSERT",
        ));
    }
    sb.stop().await;
    rf.stop().await;
    Ok(())
}

fn f(v: &Value, path: &str) -> f64 {
    v.pointer(path).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// P5 (fan-out), P6 (idle-socket memory), P9 (send latency under fan-out), each run on a
/// freshly started server over the SQLite data.
pub async fn group_ws(
    s: &mut Suite,
    manifest: &Path,
    sqlite_url: &str,
    p: &mut Partial,
) -> anyhow::Result<()> {
    if s.wanted("P5") {
        let plan = s.plan.clone();
        let mut variants: Vec<(usize, bool, usize)> = plan
            .fanout
            .iter()
            .map(|&n| (n, false, plan.fanout_reps))
            .collect();
        if plan.extra
            && let Some(&max) = plan.fanout.iter().max()
        {
            variants.push((max, true, 1));
        }
        for (n, no_author, reps) in variants {
            let mut outs = Vec::new();
            let mut refs = Vec::new();
            for rep in 0..reps {
                // Switchboard and (for the real selection) the minimal server, alternating.
                let mut order = vec![true];
                if !no_author {
                    order.push(false);
                }
                if rep % 2 == 1 {
                    order.reverse();
                }
                for ours in order {
                    let server = if ours {
                        s.switchboard("sb-ws", sqlite_url, PORT_WS, &[]).await?
                    } else {
                        s.refserver("ref-ws", manifest, sqlite_url, PORT_WS).await?
                    };
                    let key = format!(
                        "p5_{}_{n}{}_{rep}",
                        if ours { "sb" } else { "minimal" },
                        if no_author { "_noauthor" } else { "" }
                    );
                    let extra: &[&str] = if no_author { &["--no-author"] } else { &[] };
                    let v = s
                        .wsbench(&key, manifest, server.pid, n, 20, 5.0, extra)
                        .await;
                    server.stop().await;
                    if ours {
                        outs.push(v?);
                    } else {
                        refs.push(v?);
                    }
                }
            }
            let get = |vs: &[Value], path: &str| vs.iter().map(|v| f(v, path)).collect::<Vec<_>>();
            let delivered = get(&outs, "/delivered_pct");
            let p50 = get(&outs, "/latency_ms/p50");
            let p99 = get(&outs, "/latency_ms/p99");
            let max = get(&outs, "/latency_ms/max");
            let connect = get(&outs, "/connect_secs");
            let tag = if no_author {
                " without `author` (diagnostic)"
            } else {
                ""
            };
            let binding = n == 10_000 && !no_author;
            let all_delivered = delivered.iter().all(|d| *d >= 100.0);
            let minimal = "minimal async-graphql broadcast server, same buffers";
            let mut row = Row::new(format!("delivered, {n} subscribers{tag}"), "%")
                .candidate(&delivered)
                .target(
                    if binding {
                        "100 %"
                    } else {
                        "100 % (binding at 10k)"
                    },
                    (!no_author).then_some(all_delivered),
                );
            if !refs.is_empty() {
                row = row.reference(minimal, &get(&refs, "/delivered_pct"));
            }
            p.p5.push(row);
            let mut row = Row::new(format!("p50 delivery latency, {n}{tag}"), "ms").candidate(&p50);
            if !refs.is_empty() {
                let r = get(&refs, "/latency_ms/p50");
                row = row.reference(minimal, &r).ratio(&ratios(&p50, &r));
            }
            p.p5.push(row);
            let mut row = Row::new(format!("p99 delivery latency, {n}{tag}"), "ms")
                .candidate(&p99)
                .target(
                    if binding {
                        "≤ 100 ms"
                    } else {
                        "≤ 100 ms (binding at 10k)"
                    },
                    (!no_author).then_some(median(&p99) <= 100.0),
                );
            if !refs.is_empty() {
                let r = get(&refs, "/latency_ms/p99");
                row = row.reference(minimal, &r).ratio(&ratios(&p99, &r));
            }
            p.p5.push(row);
            p.p5.push(Row::new(format!("max delivery latency, {n}{tag}"), "ms").candidate(&max));
            p.p5_notes.push(format!(
                "{n} subscribers{tag}: connect + subscribe took {:.1} s (median); server RSS with them idle {:.0} MiB.",
                median(&connect),
                median(&outs.iter().map(|v| f(v, "/rss_idle_kib") / 1024.0).collect::<Vec<_>>())
            ));
        }
    }

    if s.wanted("P6") {
        let n = s.plan.idle_n;
        let mut product = Vec::new();
        let mut default = Vec::new();
        let mut minimal = Vec::new();
        for rep in 0..s.plan.idle_reps {
            let mut order = vec![0, 1, 2];
            order.rotate_left(rep % 3);
            for variant in order {
                let server = match variant {
                    0 => s.switchboard("sb-ws", sqlite_url, PORT_WS, &[]).await?,
                    1 => {
                        s.switchboard(
                            "sb-ws",
                            sqlite_url,
                            PORT_WS,
                            &[
                                ("SWITCHBOARD_WS_READ_BUFFER", "131072"),
                                ("SWITCHBOARD_WS_WRITE_BUFFER", "131072"),
                            ],
                        )
                        .await?
                    }
                    _ => s.refserver("ref-ws", manifest, sqlite_url, PORT_WS).await?,
                };
                let name = ["product", "default", "minimal"][variant];
                let key = format!("p6_{name}_{n}_{rep}");
                let v = s.wsbench(&key, manifest, server.pid, n, 1, 1.0, &[]).await;
                server.stop().await;
                let v = v?;
                let bytes = f(&v, "/idle_bytes_per_socket");
                [&mut product, &mut default, &mut minimal][variant].push(bytes);
                if f(&v, "/delivered_pct") < 100.0 {
                    p.p6_notes.push(format!(
                        "{key}: only {:.1} % of the subscribers received the probe message.",
                        f(&v, "/delivered_pct")
                    ));
                }
            }
        }
        let kib = |v: &[f64]| v.iter().map(|b| b / KIB).collect::<Vec<_>>();
        let (pk, dk, mk) = (kib(&product), kib(&default), kib(&minimal));
        p.p6.push(
            Row::new(
                format!("server ΔRSS per idle subscribed socket, {n} sockets"),
                "KiB",
            )
            .candidate(&pk)
            .reference("library defaults (read/write buffers 128 KiB)", &dk)
            .ratio(&ratios(&pk, &dk))
            .target("≤ 16 KiB", Some(median(&pk) <= 16.0)),
        );
        p.p6.push(
            Row::new(
                format!("same, vs a minimal async-graphql server, {n} sockets"),
                "KiB",
            )
            .candidate(&pk)
            .reference("minimal server, same buffers (4 KiB / 0)", &mk)
            .ratio(&ratios(&pk, &mk))
            .target("(diagnostic)", None),
        );
        // Diagnostic: the same sockets authenticated but not subscribed.
        let server = s.switchboard("sb-ws", sqlite_url, PORT_WS, &[]).await?;
        let key = format!("p6_connection_only_{n}");
        let v = s
            .wsbench(&key, manifest, server.pid, n, 0, 1.0, &["--no-subscribe"])
            .await;
        server.stop().await;
        let conn_only = f(&v?, "/idle_bytes_per_socket") / KIB;
        p.p6.push(
            Row::new(
                format!("of which: authenticated socket without a subscription, {n} sockets"),
                "KiB",
            )
            .candidate(&[conn_only])
            .reference("subscribed socket (median above)", &[median(&pk)])
            .ratio(&[conn_only / median(&pk)])
            .target("(diagnostic)", None),
        );
        p.p6_notes.push(format!(
            "Product configuration: SWITCHBOARD_WS_READ_BUFFER=4096, SWITCHBOARD_WS_WRITE_BUFFER=0 (defaults); reference: the same binary with 131072/131072 (tungstenite's defaults); diagnostic: `refserver`'s minimal async-graphql subscription server (no auth, no loaders) with the product's buffers. Each socket: graphql-transport-ws, connection_init with a token, one `messageAdded` subscription; ΔRSS = VmRSS with {n} idle subscribers − VmRSS before the first socket, over N; a probe message checks that every subscription is live."
        ));
    }

    if s.wanted("P9") {
        let events = s.plan.send_events;
        let mut with = Vec::new();
        let mut without = Vec::new();
        let mut with50 = Vec::new();
        let mut without50 = Vec::new();
        for rep in 0..s.plan.send_reps {
            let order: [usize; 2] = if rep % 2 == 0 { [1_000, 0] } else { [0, 1_000] };
            for n in order {
                let server = s.switchboard("sb-ws", sqlite_url, PORT_WS, &[]).await?;
                let key = format!("p9_sendlat_{n}_{rep}");
                let v = s
                    .wsbench(&key, manifest, server.pid, n, events, 20.0, &[])
                    .await;
                server.stop().await;
                let v = v?;
                if n == 0 {
                    without.push(f(&v, "/send_latency_ms/p99"));
                    without50.push(f(&v, "/send_latency_ms/p50"));
                } else {
                    with.push(f(&v, "/send_latency_ms/p99"));
                    with50.push(f(&v, "/send_latency_ms/p50"));
                }
            }
        }
        p.p9.push(
            Row::new("sendMessage p99 with 1,000 subscribers (SQLite)", "ms")
                .candidate(&with)
                .reference("no subscribers", &without)
                .ratio(&ratios(&with, &without))
                .target(
                    "≤ 2.0 (design doc)",
                    Some(median(&ratios(&with, &without)) <= 2.0),
                ),
        );
        if s.plan.extra {
            let server = s.switchboard("sb-ws", sqlite_url, PORT_WS, &[]).await?;
            let v = s
                .wsbench(
                    "p9_sendlat_1000_noauthor",
                    manifest,
                    server.pid,
                    1_000,
                    events,
                    20.0,
                    &["--no-author"],
                )
                .await;
            server.stop().await;
            let v = v?;
            let r = [f(&v, "/send_latency_ms/p99")];
            p.p9.push(
                Row::new(
                    "sendMessage p99 with 1,000 subscribers not selecting `author` (diagnostic)",
                    "ms",
                )
                .candidate(&r)
                .reference("no subscribers", &without)
                .ratio(&[r[0] / median(&without)])
                .target("(diagnostic)", None),
            );
        }
        p.p9.push(
            Row::new("sendMessage p50 with 1,000 subscribers (SQLite)", "ms")
                .candidate(&with50)
                .reference("no subscribers", &without50)
                .ratio(&ratios(&with50, &without50)),
        );
        p.p9_notes.push(format!(
            "Send latency: {events} sendMessage at 20/s, one at a time, while 1,000 subscribers (or none) watch the chat; fresh server per run."
        ));
    }
    Ok(())
}

/// P7: exec → first 200 on `{ __typename }` with the embedded default (no DATABASE_URL:
/// `./switchboard.db` in the working directory).
pub async fn p7(s: &mut Suite, peer_pg: Option<String>, p: &mut Partial) -> anyhow::Result<()> {
    let dir = s.work.join("p7");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let program = s.bin.join("switchboard");
    let probe = r#"{"query":"{ __typename }"}"#;
    let start = |s: &Suite, name: &str| -> anyhow::Result<procs::Proc> {
        anyhow::ensure!(procs::port_free(PORT_START), "port {PORT_START} is taken");
        let mut spec = s.spec(name, &program, vec!["serve".into()]);
        spec.env = vec![("SWITCHBOARD_ADDR".into(), format!("127.0.0.1:{PORT_START}"))];
        spec.cwd = Some(&dir);
        procs::spawn(spec)
    };
    let first = start(s, "p7-first")?;
    let (cold, _) = procs::wait_ok(
        &url(PORT_START, "/graphql"),
        probe,
        first.started,
        Duration::from_secs(30),
        Duration::from_millis(1),
    )
    .await?;
    first.stop().await;
    let mut warm = Vec::new();
    for i in 0..s.plan.starts {
        let proc = start(s, &format!("p7-{i}"))?;
        let (at, _) = procs::wait_ok(
            &url(PORT_START, "/graphql"),
            probe,
            proc.started,
            Duration::from_secs(30),
            Duration::from_millis(1),
        )
        .await?;
        proc.stop().await;
        warm.push(at.as_secs_f64() * 1e3);
    }
    p.p7.push(
        Row::new(
            "exec → first 200, existing SQLite file (median of 5 starts)",
            "ms",
        )
        .candidate(&warm)
        .target("≤ 100 ms", Some(median(&warm) <= 100.0)),
    );
    p.p7.push(
        Row::new(
            "first start on an empty directory (create, migrate, seed the demo)",
            "ms",
        )
        .candidate(&[cold.as_secs_f64() * 1e3]),
    );
    s.raw.insert(
        "p7".into(),
        json!({"warm_ms": warm, "cold_ms": cold.as_secs_f64() * 1e3}),
    );
    if let (Some(pg_url), Some(_)) = (peer_pg, s.peer_paths()) {
        let mut peer = Vec::new();
        for _ in 0..3 {
            let (proc, at) = s.postgraphile(PORT_PEER_START, &pg_url).await?;
            proc.stop().await;
            peer.push(at.as_secs_f64() * 1e3);
        }
        p.p7.push(
            Row::new(
                "startup vs PostGraphile 5 (same probe; ours on SQLite, theirs on PostgreSQL)",
                "ms",
            )
            .candidate(&warm)
            .reference("PostGraphile 5", &peer)
            .ratio(&[median(&warm) / median(&peer)])
            .target("(design: ≤ 0.25×)", None),
        );
        s.raw.insert("p7_peer_ms".into(), json!(peer));
    }
    p.p7_notes.push(
        "The probe polls `POST /graphql {__typename}` every 1 ms from the client core; the server runs on the server core; the time includes `taskset`'s exec.".into(),
    );
    Ok(())
}

/// Turn the partial results into the report's figures, in order.
pub fn assemble(s: &mut Suite, p: Partial, has_pg: bool) {
    let errs = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter_map(|n| p.errors.get(*n).map(|e| format!("{n}: {e}")))
            .collect()
    };
    let mk = |id: &str,
              title: &str,
              how: &str,
              rows: Vec<Row>,
              notes: Vec<String>,
              related: Vec<String>,
              wanted: bool| {
        let mut fig = Figure::new(id, title, how);
        if !wanted {
            fig.status = Status::Skipped("not selected (--only)".into());
        } else if rows.is_empty() && !related.is_empty() {
            fig.status = Status::Failed(related.join("; "));
        }
        fig.rows = rows;
        fig.notes = notes;
        if fig.rows.iter().any(|_| true) {
            fig.notes.extend(
                related
                    .into_iter()
                    .map(|e| format!("part of this figure failed: {e}")),
            );
        }
        fig
    };
    let sql_http = "SQLite HTTP figures";
    let pg_http = "PostgreSQL HTTP figures";
    let ws = "WebSocket figures";
    let mut figures = vec![
        mk(
            "P1",
            "GraphQL tax: DB-free read vs a raw axum route",
            "Switchboard (the release binary: real router, middleware, limits extension and schema, dev profile) answering a DB-free query vs a bare axum route in `refserver` that reads the body and returns the identical bytes (captured from Switchboard's own answer). Every data query authenticates against the database, so the DB-free read is `{ __typename }` — the per-request pipeline: HTTP, body, auth extractor (no credential), parse, validate, execute, serialise; full mode adds a 3.6 KB introspection read (`__type(name: \"Message\")`, ~100 fields resolved) as a selection-heavy diagnostic, and a perf profile. Both servers on the server core, `wrk -t1 -c32` on the client core, interleaved repetitions.",
            p.p1,
            p.p1_notes,
            errs(&[sql_http]),
            s.wanted("P1"),
        ),
        mk(
            "P2",
            "DB read efficiency: GraphQL vs a hand-written sqlx handler",
            "Q3 (`chat(id) { id name messages(first: 20) { edges { node { id content createdAt author { id name } reactions { emoji count } } } } }`, as the owner) vs `refserver`'s `/ref/q3`: the same SQL statements Switchboard runs (captured with the metric callback, see P4) through sqlx on one pooled connection, producing the same JSON bytes; same pool (`resolvers::db::connect`, 8 connections), same database.",
            p.p2,
            p.p2_notes,
            errs(&[sql_http, pg_http]),
            s.wanted("P2"),
        ),
        {
            let mut fig = mk(
                "P3",
                "Peer: Switchboard vs PostGraphile 5 on the same PostgreSQL data",
                "Q3 through Switchboard vs its twin through PostGraphile 5 (`chatByRowId → messagesByChatId(first: 20, orderBy: ROW_ID_DESC) → userByAuthorId, reactionsByMessageId`) over the same database, same wrk settings; RSS from /proc/<pid>/status after the load.",
                p.p3,
                p.p3_notes,
                errs(&[pg_http]),
                s.wanted("P3"),
            );
            if !has_pg {
                fig.status = Status::Skipped("no PostgreSQL".into());
            } else if let Some(st) = p.p3_status {
                fig.status = st;
            }
            fig
        },
        mk(
            "P4",
            "SQL statements per request (N+1 freedom)",
            "Statements counted with sea-orm's `set_metric_callback` on an in-process Switchboard (`build_router` over the seeded database), one request at a time after a warm-up; cross-checked on PostgreSQL with `pg_stat_statements` against the release binary when the private cluster is used.",
            p.p4,
            p.p4_notes,
            errs(&["P4", pg_http]),
            s.wanted("P4"),
        ),
        mk(
            "P5",
            "Subscription fan-out latency",
            "`wsbench` opens N graphql-transport-ws sockets (tokens of the 1,000 users, round-robin), each subscribed to `messageAdded(chatId) { id content createdAt author { id name } }` on one chat, then posts 20 messages at 5/s with `sendMessage` (members of the chat in turn). Latency = frame received − start of the `sendMessage` request; delivered = frames received by 15 s after the last send (every wait is bounded). Reference: `refserver`'s minimal async-graphql server (a `broadcast` channel, no auth, no database, `author` carried in the event) with the product's WebSocket buffers, interleaved with Switchboard. Fresh server (SQLite) per run; the client runs on the client core and its own frame handling is part of the latency.",
            p.p5,
            p.p5_notes,
            errs(&[ws]),
            s.wanted("P5"),
        ),
        mk(
            "P6",
            "Memory per idle subscribed WebSocket",
            "Server ΔRSS per socket with N idle subscribers, the product's WebSocket buffers vs the library defaults, the same binary started twice per repetition (interleaved).",
            p.p6,
            p.p6_notes,
            errs(&[ws]),
            s.wanted("P6"),
        ),
        mk(
            "P7",
            "Startup: exec → first 200",
            "`switchboard serve` with no configuration (embedded SQLite `./switchboard.db` in a scratch directory, migrated), timed from exec to the first 200 on `{ __typename }`.",
            p.p7,
            p.p7_notes,
            errs(&["P7"]),
            s.wanted("P7"),
        ),
        mk(
            "P8",
            "REST façade read vs the same GraphQL operation",
            "The Pachca façade's message list, `GET /api/shared/v1/messages?chat_id=<id>&limit=20` (20 façade `Message`s with `meta.paginate`), vs its GraphQL twin on the same server: `chat(id) { messages(first: 20) { edges { node { databaseId chatId content createdAt editedAt author { databaseId } replyTo { databaseId } buttons metadata attachments { … } thread { databaseId } } } pageInfo { … } } }` — the same rows and the fields that carry what the façade renders. Both rotate over the same 200 readers' tokens as Q3 (façade message reads are budgeted at 10/s per token; every run is checked for errors, a 429 counts as one), `wrk -t1 -c32`, interleaved. Statements counted in-process with the metric callback, as in P4.",
            p.p8,
            p.p8_notes,
            errs(&[sql_http, pg_http]),
            s.wanted("P8"),
        ),
        mk(
            "P9",
            "Write path: durable sendMessage vs a raw insert; send latency under fan-out",
            "Throughput of `sendMessage` — rotating over the (member, chat) pairs of the 88 group chats nobody reads during the run (4,400 pairs), so no credential meets its rate limit — vs `refserver`'s `/ref/insert`: one single-row `INSERT … RETURNING id` into the same chats, same driver, pool and durability, over HTTP like ours (`wrk -c32`). Then the latency of `sendMessage` (members of the watched chat in turn, one request at a time at 20/s) while 1,000 subscribers watch that chat vs none, fresh server per run.",
            p.p9,
            p.p9_notes,
            errs(&[sql_http, pg_http, ws]),
            s.wanted("P9"),
        ),
    ];
    s.figures.append(&mut figures);
}
