//! Deterministic seeder: a workspace of 1,000 users, 100 chats and 200,000 messages with
//! reactions and threads, written with bulk INSERTs into the schema that
//! `switchboard::migrate` creates (SQLite or PostgreSQL).
//!
//! The same `--seed` gives the same rows, ids included. Only API tokens differ between
//! runs (they are random secrets); they go to the manifest (`--out`) with the chat ids the
//! figures use. The owner and the tokens are created through the product's own operations
//! (`ensure_workspace`, `ensure_user`, `issue_api_token`); everything else is bulk data.
//!
//! ```text
//! seed --database-url sqlite://bench/.work/sb.db --out bench/.work/sqlite.json --fresh
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bench::{Counts, Manifest, Rng};
use chrono::{DateTime, TimeZone, Utc};
use clap::Parser;
use entities::{chat_members, chats, messages, reactions, users};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ActiveValue::Set, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    EntityTrait, Statement, TransactionTrait,
};

#[derive(Parser, Debug)]
#[command(about = "Deterministic bulk seeder for the Switchboard benchmarks")]
struct Args {
    /// `sqlite://path` or `postgres://user@host:port/db`.
    #[arg(long)]
    database_url: String,
    /// Where to write the manifest (tokens and chat ids).
    #[arg(long)]
    out: PathBuf,
    /// Start from an empty database: delete the SQLite file, or drop and re-create the
    /// PostgreSQL database.
    #[arg(long)]
    fresh: bool,
    /// RNG seed.
    #[arg(long, default_value_t = 20_261_121)]
    seed: u64,
    /// Users (the owner included).
    #[arg(long, default_value_t = 1_000)]
    users: u64,
    /// Channels and group chats.
    #[arg(long, default_value_t = 100)]
    chats: u64,
    /// Messages in channels and groups (thread replies come on top).
    #[arg(long, default_value_t = 200_000)]
    messages: u64,
    /// Members per chat besides the owner.
    #[arg(long, default_value_t = 50)]
    members: u64,
    /// Rows per INSERT statement.
    #[arg(long, default_value_t = 1_000)]
    chunk: usize,
}

const EMOJI: [&str; 8] = ["👍", "🎉", "🚀", "❤️", "😂", "👀", "✅", "🔥"];
const FIRST: [&str; 16] = [
    "Ada",
    "Grace",
    "Linus",
    "Margaret",
    "Alan",
    "Barbara",
    "Ken",
    "Frances",
    "Dennis",
    "Radia",
    "Edsger",
    "Katherine",
    "Donald",
    "Hedy",
    "Niklaus",
    "Анна",
];
const LAST: [&str; 16] = [
    "Lovelace",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Turing",
    "Liskov",
    "Thompson",
    "Allen",
    "Ritchie",
    "Perlman",
    "Dijkstra",
    "Johnson",
    "Knuth",
    "Lamarr",
    "Wirth",
    "Иванова",
];
const TITLES: [&str; 6] = [
    "Engineer",
    "Designer",
    "Product manager",
    "Support",
    "Sales",
    "Analyst",
];
const WORDS: [&str; 24] = [
    "deploy",
    "release",
    "staging",
    "review",
    "lunch",
    "meeting",
    "incident",
    "customer",
    "invoice",
    "roadmap",
    "sprint",
    "bug",
    "fix",
    "merge",
    "branch",
    "test",
    "green",
    "red",
    "coffee",
    "report",
    "привет",
    "релиз",
    "задача",
    "готово",
];
const SYLLABLES: [&str; 16] = [
    "ka", "lo", "mi", "re", "tu", "sa", "no", "vi", "de", "po", "ra", "ze", "bu", "fi", "go", "he",
];

/// A vocabulary of common words plus generated ones, so full-text search has a long tail.
fn vocabulary(rng: &mut Rng) -> Vec<String> {
    let mut words: Vec<String> = WORDS.iter().map(|w| (*w).to_owned()).collect();
    while words.len() < 600 {
        let n = rng.range(2, 4);
        let w: String = (0..n)
            .filter_map(|_| rng.pick(&SYLLABLES).copied())
            .collect();
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words
}

/// A sentence of 4–24 words, common words more often than rare ones.
fn sentence(rng: &mut Rng, vocab: &[String]) -> String {
    let n = rng.range(4, 24);
    let mut out = String::new();
    for i in 0..n {
        // Zipf-ish: half the words from the first 40, the rest from the whole list.
        let limit = if rng.chance(1, 2) {
            40
        } else {
            vocab.len() as u64
        };
        let w = &vocab[rng.below(limit.min(vocab.len() as u64)) as usize];
        if i > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

struct Msg {
    id: i64,
    chat_id: i64,
    author_id: i64,
    content: String,
    created_at: DateTime<Utc>,
}

async fn open(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(4)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // Seeding is bulk work: WAL as the product uses it, without an fsync per commit.
        .map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Off)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
        });
    Ok(Database::connect(options).await?)
}

/// Replace the database name of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

async fn make_fresh(url: &str) -> anyhow::Result<()> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{path}{suffix}");
            if std::path::Path::new(&p).exists() {
                std::fs::remove_file(&p).with_context(|| format!("removing {p}"))?;
            }
        }
        if let Some(dir) = std::path::Path::new(path).parent() {
            std::fs::create_dir_all(dir).ok();
        }
        return Ok(());
    }
    let name = url
        .split('?')
        .next()
        .and_then(|h| h.rsplit('/').next())
        .filter(|n| !n.is_empty() && !n.contains(':'))
        .context("the PostgreSQL URL must name a database")?
        .to_owned();
    anyhow::ensure!(
        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "database name `{name}`: letters, digits and _ only"
    );
    let admin = Database::connect(with_database(url, "postgres")).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    admin.close().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Args::parse();
    let started = Instant::now();
    if args.fresh {
        make_fresh(&args.database_url).await?;
    }
    let db = open(&args.database_url).await?;
    switchboard::migrate(&db).await?;
    anyhow::ensure!(
        resolvers::seed::is_empty(&db).await?,
        "the database is not empty; pass --fresh"
    );
    let backend = db.get_database_backend();

    let mut rng = Rng::new(args.seed);
    let vocab = vocabulary(&mut rng);
    let base = Utc
        .with_ymd_and_hms(2025, 1, 1, 9, 0, 0)
        .single()
        .context("base time")?;

    // The owner through the product's own rules (first user of a workspace = owner).
    let ws = resolvers::people::ensure_workspace(&db, "bench", "Bench Workspace").await?;
    let owner = resolvers::people::ensure_user(
        &db,
        ws.id,
        resolvers::people::NewUser {
            email: "owner@bench.test".into(),
            first_name: "Olivia".into(),
            last_name: "Owner".into(),
            nickname: "owner".into(),
            role: Some(resolvers::people::Role::Owner),
            is_bot: false,
            title: "Founder".into(),
        },
    )
    .await?;

    // Users.
    let mut user_ids = vec![owner.id];
    let mut user_rows = Vec::new();
    for i in 1..args.users {
        let id = owner.id + i as i64;
        user_ids.push(id);
        let first = *rng.pick(&FIRST).context("names")?;
        let last = *rng.pick(&LAST).context("names")?;
        let at = base + chrono::Duration::minutes(i as i64);
        user_rows.push(users::ActiveModel {
            id: Set(id),
            workspace_id: Set(ws.id),
            email: Set(Some(format!("user{i}@bench.test"))),
            first_name: Set(first.to_owned()),
            last_name: Set(last.to_owned()),
            nickname: Set(format!("user{i}")),
            is_bot: Set(false),
            role: Set(if i % 100 == 0 { "admin" } else { "member" }.to_owned()),
            title: Set(rng.pick(&TITLES).copied().unwrap_or_default().to_owned()),
            department_id: Set(None),
            suspended: Set(false),
            phone: Set(String::new()),
            avatar_url: Set(None),
            time_zone: Set("Europe/Moscow".to_owned()),
            status_emoji: Set(None),
            status_title: Set(None),
            status_expires_at: Set(None),
            status_is_away: Set(false),
            status_away_message: Set(None),
            last_activity_at: Set(None),
            deleted_at: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
            hr_admin: Set(false),
        });
    }

    // Chats: every tenth a channel, the rest public group conversations.
    let mut chat_members_of: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut posters_of: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut member_rows: Vec<(i64, i64, &'static str)> = Vec::new();
    let chat_ids: Vec<i64> = (1..=args.chats as i64).collect();
    let mut chat_kind: HashMap<i64, &'static str> = HashMap::new();
    for &chat in &chat_ids {
        let kind = if chat % 10 == 0 { "channel" } else { "group" };
        chat_kind.insert(chat, kind);
        let mut members = vec![owner.id];
        member_rows.push((chat, owner.id, "admin"));
        let mut posters = vec![owner.id];
        let want = args.members.min(args.users.saturating_sub(1));
        while (members.len() as u64) < want + 1 {
            let u = *rng.pick(&user_ids[1..]).context("users")?;
            if members.contains(&u) {
                continue;
            }
            let role = if kind == "channel" && posters.len() < 5 {
                posters.push(u);
                "editor"
            } else {
                if kind == "group" {
                    posters.push(u);
                }
                "member"
            };
            members.push(u);
            member_rows.push((chat, u, role));
        }
        chat_members_of.insert(chat, members);
        posters_of.insert(chat, posters);
    }

    // Messages, oldest first, spread over a year.
    let span = 365 * 24 * 3600;
    let mut msgs: Vec<Msg> = Vec::with_capacity(args.messages as usize);
    for i in 0..args.messages {
        let chat = *rng.pick(&chat_ids).context("chats")?;
        let author = *rng
            .pick(posters_of.get(&chat).map(Vec::as_slice).unwrap_or(&[]))
            .context("posters")?;
        let offset = (i as i64 * span) / args.messages.max(1) as i64;
        msgs.push(Msg {
            id: i as i64 + 1,
            chat_id: chat,
            author_id: author,
            content: sentence(&mut rng, &vocab),
            created_at: base + chrono::Duration::seconds(offset),
        });
    }

    // Threads on every 97th message, with 1–5 replies by members of the parent chat.
    let mut thread_rows = Vec::new();
    let mut next_msg_id = args.messages as i64 + 1;
    let mut replies = Vec::new();
    let roots = msgs.iter().filter(|m| m.id % 97 == 0);
    for (thread_id, root) in (args.chats as i64 + 1..).zip(roots) {
        let members = chat_members_of.get(&root.chat_id).context("members")?;
        let creator = *rng.pick(members).context("members")?;
        thread_rows.push((thread_id, root.id, root.chat_id, creator, root.created_at));
        let mut people = vec![creator];
        if root.author_id != creator {
            people.push(root.author_id);
        }
        for &p in &people {
            member_rows.push((thread_id, p, "member"));
        }
        for k in 0..rng.range(1, 5) {
            let author = *rng.pick(members).context("members")?;
            if !people.contains(&author) {
                people.push(author);
                member_rows.push((thread_id, author, "member"));
            }
            replies.push(Msg {
                id: next_msg_id,
                chat_id: thread_id,
                author_id: author,
                content: sentence(&mut rng, &vocab),
                created_at: root.created_at + chrono::Duration::minutes(k as i64 + 1),
            });
            next_msg_id += 1;
        }
        chat_members_of.insert(thread_id, people);
    }

    // The chats the figures use: the three busiest group conversations.
    let mut per_chat: HashMap<i64, Vec<i64>> = HashMap::new();
    for m in msgs.iter().chain(replies.iter()) {
        per_chat.entry(m.chat_id).or_default().push(m.id);
    }
    let mut groups: Vec<i64> = chat_ids
        .iter()
        .copied()
        .filter(|c| chat_kind.get(c) == Some(&"group"))
        .collect();
    groups.sort_by_key(|c| {
        (
            std::cmp::Reverse(per_chat.get(c).map(Vec::len).unwrap_or(0)),
            *c,
        )
    });
    anyhow::ensure!(groups.len() >= 3, "need at least three group chats");
    let (read_chat, fanout_chat, write_chat) = (groups[0], groups[1], groups[2]);

    // Reactions: one message in eight gets 1–3; the read chat's newest 100 all do, so the
    // page every read figure fetches carries reactions.
    let read_recent: Vec<i64> = per_chat
        .get(&read_chat)
        .map(|ids| ids.iter().rev().take(100).copied().collect())
        .unwrap_or_default();
    let mut reaction_rows = Vec::new();
    for m in msgs.iter().chain(replies.iter()) {
        let forced = m.chat_id == read_chat && read_recent.contains(&m.id);
        if !forced && !rng.chance(1, 8) {
            continue;
        }
        let members = chat_members_of.get(&m.chat_id).context("members")?;
        let mut seen = Vec::new();
        for _ in 0..rng.range(1, 3) {
            let user = *rng.pick(members).context("members")?;
            let emoji = *rng.pick(&EMOJI).context("emoji")?;
            if seen.contains(&(user, emoji)) {
                continue;
            }
            seen.push((user, emoji));
            reaction_rows.push((
                m.id,
                user,
                emoji,
                m.created_at + chrono::Duration::seconds(30),
            ));
        }
    }

    // Read positions: each member has read up to a message in the last fifth of the chat.
    let mut last_read: HashMap<(i64, i64), i64> = HashMap::new();
    for (chat, user, _) in &member_rows {
        if let Some(ids) = per_chat.get(chat).filter(|ids| !ids.is_empty()) {
            let from = ids.len() * 4 / 5;
            let pick = ids[from + rng.below((ids.len() - from) as u64) as usize];
            last_read.insert((*chat, *user), pick);
        }
    }
    let last_at: HashMap<i64, DateTime<Utc>> = msgs
        .iter()
        .chain(replies.iter())
        .map(|m| (m.chat_id, m.created_at))
        .fold(HashMap::new(), |mut acc, (c, at)| {
            let e = acc.entry(c).or_insert(at);
            if at > *e {
                *e = at;
            }
            acc
        });

    // Write everything in one transaction, in chunks of bulk INSERTs.
    let txn = db.begin().await?;
    for chunk in user_rows.chunks(args.chunk) {
        users::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    let chat_model = |id: i64,
                      kind: &str,
                      name: String,
                      creator: i64,
                      root: Option<i64>,
                      created: DateTime<Utc>| chats::ActiveModel {
        id: Set(id),
        workspace_id: Set(ws.id),
        kind: Set(kind.to_owned()),
        name: Set(name),
        description: Set(String::new()),
        is_public: Set(true),
        archived_at: Set(None),
        department_id: Set(None),
        creator_id: Set(creator),
        root_message_id: Set(root),
        direct_key: Set(None),
        created_at: Set(created),
        last_message_at: Set(last_at.get(&id).copied().unwrap_or(created)),
        avatar_url: Set(None),
    };
    let mut chat_rows: Vec<chats::ActiveModel> = chat_ids
        .iter()
        .map(|&id| {
            let kind = chat_kind.get(&id).copied().unwrap_or("group");
            chat_model(id, kind, format!("{kind}-{id:03}"), owner.id, None, base)
        })
        .collect();
    for chunk in chat_rows.chunks(args.chunk) {
        chats::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    let insert_messages = |list: &[Msg]| -> Vec<messages::ActiveModel> {
        list.iter()
            .map(|m| messages::ActiveModel {
                id: Set(m.id),
                workspace_id: Set(ws.id),
                chat_id: Set(m.chat_id),
                author_id: Set(m.author_id),
                kind: Set("text".to_owned()),
                content: Set(m.content.clone()),
                metadata: Set(None),
                buttons: Set(None),
                reply_to_id: Set(None),
                created_at: Set(m.created_at),
                edited_at: Set(None),
                deleted_at: Set(None),
                pinned_at: Set(None),
                pinned_by_id: Set(None),
            })
            .collect()
    };
    for chunk in msgs.chunks(args.chunk) {
        messages::Entity::insert_many(insert_messages(chunk))
            .exec_without_returning(&txn)
            .await?;
    }
    // Thread chats reference their root messages, so they follow them.
    chat_rows = thread_rows
        .iter()
        .map(|&(id, root, _, creator, at)| {
            chat_model(id, "thread", String::new(), creator, Some(root), at)
        })
        .collect();
    for chunk in chat_rows.chunks(args.chunk) {
        chats::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in replies.chunks(args.chunk) {
        messages::Entity::insert_many(insert_messages(chunk))
            .exec_without_returning(&txn)
            .await?;
    }
    let member_models: Vec<chat_members::ActiveModel> = member_rows
        .iter()
        .map(|&(chat, user, role)| chat_members::ActiveModel {
            chat_id: Set(chat),
            user_id: Set(user),
            workspace_id: Set(ws.id),
            role: Set(role.to_owned()),
            last_read_message_id: Set(last_read.get(&(chat, user)).copied().unwrap_or(0)),
            joined_at: Set(base),
        })
        .collect();
    for chunk in member_models.chunks(args.chunk) {
        chat_members::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    let reaction_models: Vec<reactions::ActiveModel> = reaction_rows
        .iter()
        .enumerate()
        .map(|(i, &(message, user, emoji, at))| reactions::ActiveModel {
            id: Set(i as i64 + 1),
            workspace_id: Set(ws.id),
            message_id: Set(message),
            user_id: Set(user),
            emoji: Set(emoji.to_owned()),
            created_at: Set(at),
        })
        .collect();
    for chunk in reaction_models.chunks(args.chunk) {
        reactions::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;

    if backend == DbBackend::Postgres {
        // Rows were written with explicit ids: move the sequences past them.
        for table in ["users", "chats", "messages", "reactions"] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .await?;
        }
    }

    // API tokens through the product (one per user, owner first).
    let all_users = users::Entity::find().all(&db).await?;
    let by_id: HashMap<i64, users::Model> = all_users.into_iter().map(|u| (u.id, u)).collect();
    let mut tokens = Vec::with_capacity(user_ids.len());
    for id in &user_ids {
        let user = by_id.get(id).context("seeded user")?;
        let created = resolvers::auth::issue_api_token(
            &db,
            user,
            resolvers::auth::CreateApiTokenInput {
                name: "bench".into(),
                scopes: None,
                expires_at: None,
                rate_limits: Vec::new(),
            },
        )
        .await?;
        tokens.push(created.token);
    }

    // Full-text search must see the bulk rows (SQLite: FTS5 triggers; PostgreSQL: the
    // generated tsvector column). Compare with a count made here.
    let probe = "deploy";
    let expected = msgs
        .iter()
        .chain(replies.iter())
        .filter(|m| m.content.split(' ').any(|w| w == probe))
        .count() as i64;
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM messages WHERE search @@ to_tsquery('simple', 'deploy')"
        }
        _ => "SELECT COUNT(*) AS n FROM messages_fts WHERE messages_fts MATCH 'deploy'",
    };
    let found: i64 = db
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await?
        .context("count")?
        .try_get("", "n")?;
    anyhow::ensure!(
        found == expected,
        "full-text search sees {found} messages with `{probe}`, expected {expected}"
    );

    // Planner statistics and a compact WAL, so every run starts from the same state.
    match backend {
        DbBackend::Postgres => {
            db.execute_unprepared("VACUUM ANALYZE").await?;
        }
        _ => {
            db.execute_unprepared("ANALYZE").await?;
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
    }
    db.close().await?;

    let counts = Counts {
        users: user_ids.len() as u64,
        chats: chat_ids.len() as u64,
        threads: thread_rows.len() as u64,
        chat_members: member_rows.len() as u64,
        messages: msgs.len() as u64,
        thread_replies: replies.len() as u64,
        reactions: reaction_rows.len() as u64,
        api_tokens: tokens.len() as u64,
    };
    let token_index = |user: i64| (user - owner.id) as usize;
    let fanout_posters: Vec<usize> = posters_of
        .get(&fanout_chat)
        .map(|ps| ps.iter().map(|u| token_index(*u)).collect())
        .unwrap_or_default();
    // Round-robin over the chats (the owner left out), so consecutive requests come from
    // different credentials into different chats.
    let mut write_pairs: Vec<(usize, usize, i64)> = Vec::new();
    for &chat in &groups {
        if chat == read_chat || chat == fanout_chat {
            continue;
        }
        let posters = posters_of.get(&chat).map(Vec::as_slice).unwrap_or(&[]);
        for (pos, u) in posters.iter().filter(|u| **u != owner.id).enumerate() {
            write_pairs.push((pos, token_index(*u), chat));
        }
    }
    write_pairs.sort_by_key(|(pos, t, c)| (*pos, *c, *t));
    let write_pairs: Vec<(usize, i64)> = write_pairs.into_iter().map(|(_, t, c)| (t, c)).collect();
    let manifest = Manifest {
        database_url: args.database_url.clone(),
        seed: args.seed,
        workspace_id: ws.id,
        owner_id: owner.id,
        owner_token: tokens.first().cloned().context("owner token")?,
        user_tokens: tokens,
        read_chat,
        fanout_chat,
        write_chat,
        counts,
        fanout_posters,
        write_pairs,
    };
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&manifest)?)?;
    eprintln!(
        "seeded {} in {:.1}s: {:?}; search check: {found} messages with `{probe}`",
        args.database_url,
        started.elapsed().as_secs_f64(),
        manifest.counts
    );
    Ok(())
}
