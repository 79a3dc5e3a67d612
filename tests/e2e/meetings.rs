//! Meetings ("Pulse") over real HTTP and WebSocket: scheduling, answers, the iCalendar
//! feed (fetched and parsed back), calls with their media join tokens and chat notices,
//! transcripts and their search, notes with revisions, and the `meetingChanged` /
//! `callChanged` subscriptions — each with its failure cases (bad times, non-attendee
//! answers, foreign ids, joining an ended call, a wrong calendar token).

use std::time::Duration;

use chrono::{DateTime, Duration as Span, SubsecRound, Utc};
use icalendar::{Calendar, CalendarComponent, Component, EventLike};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use resolvers::people::Role;
use serde_json::{Value, json};

use crate::util::ws::Event;
use crate::util::{Actor, Protocol, TestApp, WsClient, rid};

/// The join-token secret and key `Config::for_database` configures.
const LIVEKIT_SECRET: &str = "switchboard-test-livekit-secret-0123456789";
const LIVEKIT_KEY: &str = "switchboard-test";

const SCHEDULE: &str = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { \
    id title agenda location timezone media status startsAt endsAt sequence organiserId chatId \
    attendees { userId rsvp comment } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateMeetingInput!) { updateMeeting(id: $id, input: $input) { \
    id title startsAt endsAt sequence chatId attendees { userId rsvp } } }";
const CANCEL: &str = "mutation($id: ID!, $reason: String) { cancelMeeting(id: $id, reason: $reason) { \
    id status cancelReason sequence activeCallId } }";
const RSVP: &str = "mutation($id: ID!, $r: RsvpStatus!, $c: String) { rsvpMeeting(meetingId: $id, response: $r, comment: $c) { \
    userId rsvp comment respondedAt } }";
const MEETING: &str = "query($id: ID!) { meeting(id: $id) { id title status activeCallId \
    attendees { userId rsvp } organiser { id } chat { id } } }";
const START: &str = "mutation($input: StartCallInput!) { startCall(input: $input) { \
    joinToken mediaUrl room expiresAt call { id status media meetingId chatId startMessageId \
    participants { userId leftAt } } } }";
const JOIN: &str = "mutation($id: ID!) { joinCall(id: $id) { joinToken room call { id status participants { userId leftAt } } } }";
const LEAVE: &str =
    "mutation($id: ID!) { leaveCall(id: $id) { id participants { userId leftAt } } }";
const END: &str = "mutation($id: ID!) { endCall(id: $id) { id status endedAt endMessageId participants { userId leftAt } } }";
const APPEND: &str = "mutation($call: ID!, $lang: String, $segments: [TranscriptSegmentInput!]!) { \
    appendTranscriptSegments(callId: $call, language: $lang, segments: $segments) { id speakerId speakerName startMs endMs text } }";
const NOTE_CREATE: &str = "mutation($m: ID!, $t: String, $c: String!) { createMeetingNote(meetingId: $m, title: $t, content: $c) { \
    id title content revision } }";
const NOTE_UPDATE: &str = "mutation($id: ID!, $rev: Int!, $t: String, $c: String) { updateMeetingNote(id: $id, revision: $rev, title: $t, content: $c) { \
    id title content revision revisions { revision title content } } }";
const NOTE_DELETE: &str = "mutation($id: ID!) { deleteMeetingNote(id: $id) }";
const ROTATE: &str = "mutation { rotateCalendarFeed { enabled url prefix createdAt } }";

/// How long an expected subscription message may take.
const WAIT: Duration = Duration::from_secs(5);
/// Time for a fresh subscription to attach to the bus.
const SETTLE: Duration = Duration::from_millis(150);
/// How long "nothing arrives" is watched for.
const SILENCE: Duration = Duration::from_millis(300);

/// An hour-long slot starting `hours` from now, on whole seconds.
fn slot(hours: i64) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = Utc::now().trunc_subsecs(0) + Span::hours(hours);
    (start, start + Span::hours(1))
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// Schedule a meeting as `organiser`; returns the payload.
async fn schedule(
    app: &TestApp,
    organiser: &Actor,
    title: &str,
    attendees: &[&Actor],
    chat: Option<&str>,
) -> Value {
    let (start, end) = slot(24);
    let ids: Vec<&str> = attendees.iter().map(|a| a.gid.as_str()).collect();
    let data = app
        .gql_ok(
            &organiser.token,
            SCHEDULE,
            json!({ "input": {
                "title": title, "agenda": "1. Status\n2. Risks", "location": "Room 4",
                "timezone": "Europe/Berlin", "startsAt": ts(start), "endsAt": ts(end),
                "attendeeIds": ids, "chatId": chat,
            } }),
        )
        .await;
    data["scheduleMeeting"].clone()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn rsvp_of(meeting: &Value, user: &Actor) -> String {
    meeting["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["userId"] == user.gid.as_str())
        .map(|a| a["rsvp"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn decode_join_token(token: &str) -> Value {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[LIVEKIT_KEY]);
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_secret(LIVEKIT_SECRET.as_bytes()),
        &validation,
    )
    .expect("a join token signed with the configured secret")
    .claims
}

/// The messages of a chat, newest first: (kind, content).
async fn chat_messages(app: &TestApp, actor: &Actor, chat: &str) -> Vec<(String, String)> {
    let data = app
        .gql_ok(
            &actor.token,
            "query($c: ID!) { chat(id: $c) { messages(first: 50) { edges { node { kind content } } } } }",
            json!({ "c": chat }),
        )
        .await;
    data["chat"]["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["kind"].as_str().unwrap().to_owned(),
                e["node"]["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn get(app: &TestApp, url: &str) -> reqwest::Response {
    app.http().get(url).send().await.unwrap()
}

/// Fetch a feed URL and parse it back.
async fn fetch_calendar(app: &TestApp, url: &str) -> Calendar {
    let res = get(app, url).await;
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/calendar"), "{kind}");
    let body = res.text().await.unwrap();
    body.parse::<Calendar>()
        .unwrap_or_else(|e| panic!("not an iCalendar document ({e}):\n{body}"))
}

fn events(cal: &Calendar) -> Vec<&icalendar::Event> {
    cal.components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Scheduling

#[tokio::test]
async fn a_scheduled_meeting_invites_its_attendees_and_is_listed_for_them() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let ann = app.user("acme", "ann@acme.test", Role::Member).await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "planning", false, &[&ann]).await;

    let m = schedule(&app, &owner, "Sprint review", &[&ann, &bob], Some(&chat)).await;
    assert_eq!(m["title"], "Sprint review");
    assert_eq!(m["agenda"], "1. Status\n2. Risks");
    assert_eq!(m["location"], "Room 4");
    assert_eq!(m["timezone"], "Europe/Berlin");
    assert_eq!(m["media"], "VIDEO");
    assert_eq!(m["status"], "SCHEDULED");
    assert_eq!(m["sequence"], 0);
    assert_eq!(m["organiserId"], owner.gid.as_str());
    assert_eq!(m["chatId"], chat.as_str());
    assert_eq!(rsvp_of(&m, &ann), "PENDING");
    assert_eq!(rsvp_of(&m, &bob), "PENDING");

    let id = id_of(&m);
    let got = app.gql_ok(&bob.token, MEETING, json!({ "id": id })).await;
    assert_eq!(got["meeting"]["title"], "Sprint review");
    assert_eq!(got["meeting"]["organiser"]["id"], owner.gid.as_str());

    let list = "query($from: DateTime, $to: DateTime) { meetings(from: $from, to: $to) { edges { node { id title } } } }";
    for who in [&owner, &ann, &bob] {
        let data = app.gql_ok(&who.token, list, json!({})).await;
        let edges = data["meetings"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), 1, "listed for {}", who.gid);
        assert_eq!(edges[0]["node"]["id"], id.as_str());
    }
    // Outside the window: not listed.
    let later = Utc::now() + Span::days(10);
    let data = app
        .gql_ok(
            &ann.token,
            list,
            json!({ "from": ts(later), "to": ts(later + Span::days(1)) }),
        )
        .await;
    assert_eq!(data["meetings"]["edges"].as_array().unwrap().len(), 0);
    // Someone neither invited nor in its chat sees nothing of it.
    let eve = app.user("acme", "eve@acme.test", Role::Member).await;
    let data = app.gql_ok(&eve.token, MEETING, json!({ "id": id })).await;
    assert!(data["meeting"].is_null());
    let data = app
        .gql_ok(
            &eve.token,
            "query($u: ID) { meetings(attendeeId: $u) { edges { node { id } } } }",
            json!({ "u": ann.gid }),
        )
        .await;
    assert_eq!(data["meetings"]["edges"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_meeting_must_end_after_it_starts_and_invite_users_of_the_workspace() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let foreign = app.workspace("other").await;
    let foreign_chat = app.create_chat(&foreign, "theirs", true, &[]).await;
    let (start, end) = slot(2);
    let base = json!({ "title": "Sync", "startsAt": ts(start), "endsAt": ts(end) });
    let with = |patch: Value| {
        let mut v = base.clone();
        for (k, val) in patch.as_object().unwrap() {
            v[k] = val.clone();
        }
        json!({ "input": v })
    };
    let cases = [
        (json!({ "endsAt": ts(start - Span::minutes(30)) }), "endsAt"),
        (json!({ "endsAt": ts(start) }), "endsAt"),
        (json!({ "endsAt": ts(start + Span::hours(25)) }), "endsAt"),
        (json!({ "title": "   " }), "title"),
        (json!({ "title": "x".repeat(201) }), "title"),
        (json!({ "timezone": "Mars/Olympus Mons" }), "timezone"),
        (json!({ "attendeeIds": [foreign.gid] }), "attendeeIds"),
        (json!({ "attendeeIds": ["999999"] }), "attendeeIds"),
        (json!({ "chatId": foreign_chat }), "chatId"),
    ];
    for (patch, field) in cases {
        let (code, body) = app
            .gql_err(&owner.token, SCHEDULE, with(patch.clone()))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{patch}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{patch}: {body}"
        );
    }
    assert_eq!(app.count("meetings").await, 0, "no partial write");
    assert_eq!(app.count("meeting_attendees").await, 0);
}

#[tokio::test]
async fn changing_the_time_resets_answers_and_every_change_raises_the_sequence() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let ann = app.user("acme", "ann@acme.test", Role::Member).await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let m = schedule(&app, &owner, "Planning", &[&ann, &bob], None).await;
    let id = id_of(&m);
    app.gql_ok(
        &ann.token,
        RSVP,
        json!({ "id": id, "r": "ACCEPTED", "c": "see you" }),
    )
    .await;

    let renamed = app
        .gql_ok(
            &owner.token,
            UPDATE,
            json!({ "id": id, "input": { "title": "Quarterly planning" } }),
        )
        .await["updateMeeting"]
        .clone();
    assert_eq!(renamed["title"], "Quarterly planning");
    assert_eq!(renamed["sequence"], 1);
    assert_eq!(
        rsvp_of(&renamed, &ann),
        "ACCEPTED",
        "a rename keeps answers"
    );

    let (start, end) = slot(48);
    let moved = app
        .gql_ok(
            &owner.token,
            UPDATE,
            json!({ "id": id, "input": { "startsAt": ts(start), "endsAt": ts(end), "attendeeIds": [ann.gid] } }),
        )
        .await["updateMeeting"]
        .clone();
    assert_eq!(moved["sequence"], 2);
    assert_eq!(rsvp_of(&moved, &ann), "PENDING", "a new time asks again");
    assert_eq!(
        moved["attendees"].as_array().unwrap().len(),
        1,
        "bob removed"
    );

    // Only the organiser (or an admin) changes it; a bad time changes nothing.
    let (code, _) = app
        .gql_err(
            &ann.token,
            UPDATE,
            json!({ "id": id, "input": { "title": "Mine now" } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, body) = app
        .gql_err(
            &owner.token,
            UPDATE,
            json!({ "id": id, "input": { "endsAt": ts(start - Span::hours(1)) } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "endsAt");
    let (code, _) = app
        .gql_err(&owner.token, UPDATE, json!({ "id": id, "input": {} }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let data = app.gql_ok(&owner.token, MEETING, json!({ "id": id })).await;
    assert_eq!(data["meeting"]["title"], "Quarterly planning");
    // Bob, no longer invited, no longer sees it.
    let data = app.gql_ok(&bob.token, MEETING, json!({ "id": id })).await;
    assert!(data["meeting"].is_null());
}

#[tokio::test]
async fn only_attendees_answer_and_a_cancelled_meeting_takes_no_answers() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let ann = app.user("acme", "ann@acme.test", Role::Member).await;
    let carl = app.user("acme", "carl@acme.test", Role::Member).await;
    let eve = app.user("acme", "eve@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "team", false, &[&ann, &carl]).await;
    let m = schedule(&app, &owner, "Retro", &[&ann], Some(&chat)).await;
    let id = id_of(&m);

    let answered = app
        .gql_ok(
            &ann.token,
            RSVP,
            json!({ "id": id, "r": "TENTATIVE", "c": "  maybe late  " }),
        )
        .await["rsvpMeeting"]
        .clone();
    assert_eq!(answered["rsvp"], "TENTATIVE");
    assert_eq!(answered["comment"], "maybe late");
    assert!(answered["respondedAt"].is_string());

    // Carl sees it through the chat but was not invited.
    let (code, _) = app
        .gql_err(&carl.token, RSVP, json!({ "id": id, "r": "ACCEPTED" }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    // Eve cannot see it at all: like a missing meeting.
    let (code, _) = app
        .gql_err(&eve.token, RSVP, json!({ "id": id, "r": "ACCEPTED" }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, body) = app
        .gql_err(&ann.token, RSVP, json!({ "id": id, "r": "PENDING" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "response");

    let cancelled = app
        .gql_ok(
            &owner.token,
            CANCEL,
            json!({ "id": id, "reason": "team offsite" }),
        )
        .await["cancelMeeting"]
        .clone();
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["cancelReason"], "team offsite");
    assert_eq!(cancelled["sequence"], 1);
    // Cancelling twice changes nothing.
    let again =
        app.gql_ok(&owner.token, CANCEL, json!({ "id": id })).await["cancelMeeting"].clone();
    assert_eq!(again["sequence"], 1);
    let (code, _) = app
        .gql_err(&ann.token, RSVP, json!({ "id": id, "r": "ACCEPTED" }))
        .await;
    assert_eq!(code, "CONFLICT");
    let (code, _) = app.gql_err(&ann.token, CANCEL, json!({ "id": id })).await;
    assert_eq!(code, "FORBIDDEN", "only the organiser cancels");
    let (code, _) = app
        .gql_err(
            &owner.token,
            UPDATE,
            json!({ "id": id, "input": { "title": "Back on" } }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let (code, _) = app
        .gql_err(&owner.token, START, json!({ "input": { "meetingId": id } }))
        .await;
    assert_eq!(code, "CONFLICT", "no call for a cancelled meeting");
}

#[tokio::test]
async fn another_workspaces_meetings_calls_and_notes_answer_like_missing_ones() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let foreign = app.workspace("other").await;
    let chat = app.create_chat(&owner, "team", false, &[]).await;
    let m = schedule(&app, &owner, "Board", &[], Some(&chat)).await;
    let meeting = id_of(&m);
    let call = app
        .gql_ok(
            &owner.token,
            START,
            json!({ "input": { "meetingId": meeting } }),
        )
        .await["startCall"]["call"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let note = app
        .gql_ok(
            &owner.token,
            NOTE_CREATE,
            json!({ "m": meeting, "c": "Decisions" }),
        )
        .await["createMeetingNote"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let t = &foreign.token;
    let data = app.gql_ok(t, MEETING, json!({ "id": meeting })).await;
    assert!(data["meeting"].is_null());
    let data = app
        .gql_ok(
            t,
            "query($id: ID!) { call(id: $id) { id } }",
            json!({ "id": call }),
        )
        .await;
    assert!(data["call"].is_null());
    let data = app
        .gql_ok(
            t,
            "query($id: ID!) { meetingNote(id: $id) { id } }",
            json!({ "id": note }),
        )
        .await;
    assert!(data["meetingNote"].is_null());

    let (start, end) = slot(5);
    let attempts: Vec<(&str, Value)> = vec![
        (UPDATE, json!({ "id": meeting, "input": { "title": "x" } })),
        (CANCEL, json!({ "id": meeting })),
        (RSVP, json!({ "id": meeting, "r": "ACCEPTED" })),
        (START, json!({ "input": { "meetingId": meeting } })),
        (START, json!({ "input": { "chatId": chat } })),
        (JOIN, json!({ "id": call })),
        (LEAVE, json!({ "id": call })),
        (END, json!({ "id": call })),
        (
            APPEND,
            json!({ "call": call, "segments": [{ "startMs": 0, "endMs": 1, "text": "hi" }] }),
        ),
        (NOTE_CREATE, json!({ "m": meeting, "c": "mine" })),
        (NOTE_UPDATE, json!({ "id": note, "rev": 1, "c": "mine" })),
        (NOTE_DELETE, json!({ "id": note })),
        (
            "query($id: ID!) { meetingTranscripts(meetingId: $id) { callId } }",
            json!({ "id": meeting }),
        ),
        (
            "query($id: ID!) { callTranscript(callId: $id) { callId } }",
            json!({ "id": call }),
        ),
        (
            "query($id: ID!) { meetingNotes(meetingId: $id) { id } }",
            json!({ "id": meeting }),
        ),
    ];
    for (op, vars) in attempts {
        let (code, body) = app.gql_err(t, op, vars.clone()).await;
        assert_eq!(code, "NOT_FOUND", "{op} {vars}: {body}");
    }
    // Naming the foreign chat when scheduling is bad input about that field.
    let (code, body) = app
        .gql_err(
            t,
            SCHEDULE,
            json!({ "input": { "title": "x", "startsAt": ts(start), "endsAt": ts(end), "chatId": chat } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "chatId");
    // Nothing of acme changed.
    let data = app
        .gql_ok(&owner.token, MEETING, json!({ "id": meeting }))
        .await;
    assert_eq!(data["meeting"]["title"], "Board");
    assert_eq!(data["meeting"]["activeCallId"], call.as_str());
}

#[tokio::test]
async fn meeting_operations_need_the_meetings_scopes() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let m = schedule(&app, &owner, "Scoped", &[], None).await;
    let read_only = app.scoped_token(&owner, &["meetings:read"]).await;
    let (code, _) = app
        .gql_err(&read_only, CANCEL, json!({ "id": m["id"] }))
        .await;
    assert_eq!(code, "INSUFFICIENT_SCOPE");
    let data = app
        .gql_ok(&read_only, MEETING, json!({ "id": m["id"] }))
        .await;
    assert_eq!(data["meeting"]["title"], "Scoped");
    let none = app.scoped_token(&owner, &["messages:read"]).await;
    let (code, _) = app.gql_err(&none, MEETING, json!({ "id": m["id"] })).await;
    assert_eq!(code, "INSUFFICIENT_SCOPE");
}

// ---------------------------------------------------------------------------------------
// The calendar feed

#[tokio::test]
async fn the_calendar_feed_serves_the_users_meetings_as_icalendar() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let ann = app.user("acme", "ann@acme.test", Role::Member).await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let kept = schedule(&app, &owner, "Design review", &[&ann, &bob], None).await;
    let dropped = schedule(&app, &owner, "Offsite", &[&ann], None).await;
    let not_mine = schedule(&app, &owner, "Leads only", &[&bob], None).await;
    app.gql_ok(
        &ann.token,
        RSVP,
        json!({ "id": kept["id"], "r": "ACCEPTED" }),
    )
    .await;
    app.gql_ok(&owner.token, CANCEL, json!({ "id": dropped["id"] }))
        .await;

    // No feed yet.
    let data = app
        .gql_ok(
            &ann.token,
            "{ calendarFeed { enabled url prefix } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["calendarFeed"],
        json!({ "enabled": false, "url": null, "prefix": null })
    );

    let feed = app.gql_ok(&ann.token, ROTATE, json!({})).await["rotateCalendarFeed"].clone();
    assert_eq!(feed["enabled"], true);
    let url = feed["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/calendar/sbcal_", app.base)) && url.ends_with(".ics"),
        "{url}"
    );
    assert!(url.contains(feed["prefix"].as_str().unwrap()));
    // The URL is shown once.
    let data = app
        .gql_ok(
            &ann.token,
            "{ calendarFeed { enabled url prefix } }",
            json!({}),
        )
        .await;
    assert_eq!(data["calendarFeed"]["enabled"], true);
    assert!(data["calendarFeed"]["url"].is_null());
    assert_eq!(data["calendarFeed"]["prefix"], feed["prefix"]);

    let cal = fetch_calendar(&app, &url).await;
    let evs = events(&cal);
    assert_eq!(evs.len(), 2, "ann's two meetings, not bob's");
    let review = evs
        .iter()
        .find(|e| e.get_summary() == Some("Design review"))
        .expect("the review");
    assert_eq!(
        review.get_uid(),
        Some(
            format!(
                "meeting-{}-{}@switchboard",
                ann.workspace_id,
                rid(kept["id"].as_str().unwrap())
            )
            .as_str()
        )
    );
    assert_eq!(review.get_description(), Some("1. Status\n2. Risks"));
    assert_eq!(review.get_location(), Some("Room 4"));
    assert_eq!(review.property_value("STATUS"), Some("CONFIRMED"));
    assert_eq!(review.property_value("SEQUENCE"), Some("0"));
    let starts: DateTime<Utc> = kept["startsAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        review.property_value("DTSTART"),
        Some(starts.format("%Y%m%dT%H%M%SZ").to_string().as_str())
    );
    let attendees = review
        .multi_properties()
        .get("ATTENDEE")
        .expect("attendees");
    let ann_line = attendees
        .iter()
        .find(|p| p.value() == "mailto:ann@acme.test")
        .expect("ann attends");
    assert_eq!(
        ann_line.params().get("PARTSTAT").map(|p| p.value()),
        Some("ACCEPTED")
    );
    let bob_line = attendees
        .iter()
        .find(|p| p.value() == "mailto:bob@acme.test")
        .expect("bob attends");
    assert_eq!(
        bob_line.params().get("PARTSTAT").map(|p| p.value()),
        Some("NEEDS-ACTION")
    );
    assert_eq!(
        review.property_value("ORGANIZER"),
        Some("mailto:owner@acme.test")
    );
    let offsite = evs
        .iter()
        .find(|e| e.get_summary() == Some("Offsite"))
        .expect("the cancelled one stays, marked");
    assert_eq!(offsite.property_value("STATUS"), Some("CANCELLED"));
    assert_eq!(offsite.property_value("SEQUENCE"), Some("1"));
    assert!(
        evs.iter()
            .all(|e| e.get_summary() != not_mine["title"].as_str())
    );

    // A change shows on the next fetch.
    app.gql_ok(
        &owner.token,
        UPDATE,
        json!({ "id": kept["id"], "input": { "title": "Design review v2" } }),
    )
    .await;
    let cal = fetch_calendar(&app, &url).await;
    let review = events(&cal)
        .into_iter()
        .find(|e| e.get_summary() == Some("Design review v2"))
        .map(|e| e.property_value("SEQUENCE").map(str::to_owned));
    assert_eq!(review, Some(Some("1".to_owned())));

    // A meeting's own calendar (one VEVENT), through GraphQL.
    let data = app
        .gql_ok(
            &ann.token,
            "query($id: ID!) { meeting(id: $id) { icalendar } }",
            json!({ "id": kept["id"] }),
        )
        .await;
    let single: Calendar = data["meeting"]["icalendar"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(events(&single).len(), 1);
}

#[tokio::test]
async fn a_wrong_rotated_or_disabled_calendar_token_is_not_found() {
    let app = TestApp::spawn().await;
    let ann = app.workspace("acme").await;
    let first = app.gql_ok(&ann.token, ROTATE, json!({})).await["rotateCalendarFeed"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(get(&app, &first).await.status(), 200);
    let second = app.gql_ok(&ann.token, ROTATE, json!({})).await["rotateCalendarFeed"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(
        get(&app, &first).await.status(),
        404,
        "rotation ends the old URL"
    );
    assert_eq!(get(&app, &second).await.status(), 200);

    let token = second
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_owned();
    let mut wrong = token.clone();
    wrong.pop();
    wrong.push(if token.ends_with('0') { '1' } else { '0' });
    for path in [
        format!("/calendar/{wrong}.ics"),
        format!("/calendar/{token}"),
        format!("/calendar/{token}.txt"),
        "/calendar/sbcal_.ics".to_owned(),
        "/calendar/nonsense.ics".to_owned(),
        format!("/calendar/{}.ics", "a".repeat(300)),
    ] {
        let res = get(&app, &format!("{}{path}", app.base)).await;
        assert_eq!(res.status(), 404, "{path}");
    }

    let off = app
        .gql_ok(&ann.token, "mutation { disableCalendarFeed }", json!({}))
        .await;
    assert_eq!(off["disableCalendarFeed"], true);
    assert_eq!(get(&app, &second).await.status(), 404);
    let again = app
        .gql_ok(&ann.token, "mutation { disableCalendarFeed }", json!({}))
        .await;
    assert_eq!(again["disableCalendarFeed"], false);
}

// ---------------------------------------------------------------------------------------
// Calls

#[tokio::test]
async fn a_chat_call_signs_join_tokens_tracks_participants_and_posts_to_the_chat() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let ann = app.user("acme", "ann@acme.test", Role::Member).await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let eve = app.user("acme", "eve@acme.test", Role::Member).await;
    let chat = app
        .create_chat(&owner, "standup", false, &[&ann, &bob])
        .await;

    let started = app
        .gql_ok(
            &ann.token,
            START,
            json!({ "input": { "chatId": chat, "media": "AUDIO" } }),
        )
        .await["startCall"]
        .clone();
    let call = started["call"]["id"].as_str().unwrap().to_owned();
    assert_eq!(started["call"]["status"], "ACTIVE");
    assert_eq!(started["call"]["media"], "AUDIO");
    assert_eq!(started["call"]["chatId"], chat.as_str());
    assert_eq!(started["mediaUrl"], "ws://127.0.0.1:7880");
    let claims = decode_join_token(started["joinToken"].as_str().unwrap());
    assert_eq!(claims["iss"], LIVEKIT_KEY);
    assert_eq!(claims["sub"], ann.id.to_string());
    assert_eq!(claims["name"], "Ann Tester");
    assert_eq!(claims["video"]["room"], started["room"]);
    assert_eq!(claims["video"]["roomJoin"], true);
    assert_eq!(claims["video"]["canPublishSources"], json!(["microphone"]));
    let exp = claims["exp"].as_i64().unwrap();
    let now = Utc::now().timestamp();
    assert!(
        exp > now && exp <= now + 15 * 60,
        "short-lived: {exp} vs {now}"
    );
    assert!(
        jsonwebtoken::decode::<Value>(
            started["joinToken"].as_str().unwrap(),
            &DecodingKey::from_secret(b"another-secret"),
            &Validation::new(Algorithm::HS256),
        )
        .is_err()
    );
    let posted = chat_messages(&app, &owner, &chat).await;
    assert_eq!(posted[0].0, "SYSTEM");
    assert!(
        posted[0].1.contains("Ann Tester started a audio call"),
        "{posted:?}"
    );
    assert!(started["call"]["startMessageId"].is_string());

    // One call at a time per chat; the conflict names the running one.
    let (code, body) = app
        .gql_err(&bob.token, START, json!({ "input": { "chatId": chat } }))
        .await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(body["errors"][0]["extensions"]["callId"], call.as_str());

    let joined = app.gql_ok(&bob.token, JOIN, json!({ "id": call })).await["joinCall"].clone();
    let bob_claims = decode_join_token(joined["joinToken"].as_str().unwrap());
    assert_eq!(bob_claims["sub"], bob.id.to_string());
    assert_eq!(bob_claims["video"]["room"], claims["video"]["room"]);
    assert_eq!(joined["call"]["participants"].as_array().unwrap().len(), 2);
    // Joining again (another device) gives a fresh token and changes nothing.
    let again = app.gql_ok(&bob.token, JOIN, json!({ "id": call })).await["joinCall"].clone();
    assert_eq!(again["call"]["participants"].as_array().unwrap().len(), 2);

    // Eve is not in the chat: the call does not exist for her.
    let (code, _) = app.gql_err(&eve.token, JOIN, json!({ "id": call })).await;
    assert_eq!(code, "NOT_FOUND");
    // Only participants leave; only the starter, chat admins and admins end.
    let (code, _) = app
        .gql_err(&owner.token, LEAVE, json!({ "id": call }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app.gql_err(&bob.token, END, json!({ "id": call })).await;
    assert_eq!(code, "FORBIDDEN");

    let left = app.gql_ok(&bob.token, LEAVE, json!({ "id": call })).await["leaveCall"].clone();
    let bob_row = left["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["userId"] == bob.gid.as_str())
        .unwrap()
        .clone();
    assert!(bob_row["leftAt"].is_string());
    // Rejoining clears the leave.
    let back = app.gql_ok(&bob.token, JOIN, json!({ "id": call })).await["joinCall"].clone();
    assert!(
        back["call"]["participants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["leftAt"].is_null())
    );

    let ended = app.gql_ok(&ann.token, END, json!({ "id": call })).await["endCall"].clone();
    assert_eq!(ended["status"], "ENDED");
    assert!(ended["endedAt"].is_string());
    assert!(ended["endMessageId"].is_string());
    assert!(
        ended["participants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["leftAt"].is_string()),
        "everyone leaves an ended call"
    );
    let posted = chat_messages(&app, &owner, &chat).await;
    assert_eq!(posted[0].0, "SYSTEM");
    assert!(posted[0].1.contains("The call ended"), "{posted:?}");

    // An ended call takes no one; a new one can start.
    let (code, body) = app.gql_err(&bob.token, JOIN, json!({ "id": call })).await;
    assert_eq!(code, "CONFLICT", "{body}");
    let next = app
        .gql_ok(&bob.token, START, json!({ "input": { "chatId": chat } }))
        .await;
    assert_ne!(next["startCall"]["call"]["id"], call.as_str());
    assert_eq!(next["startCall"]["call"]["media"], "VIDEO");
    let claims = decode_join_token(next["startCall"]["joinToken"].as_str().unwrap());
    assert!(claims["video"].get("canPublishSources").is_none());
}

#[tokio::test]
async fn a_meeting_call_follows_the_meeting_and_cancelling_ends_it() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let ann = app.user("acme", "ann@acme.test", Role::Member).await;
    let eve = app.user("acme", "eve@acme.test", Role::Member).await;
    let (start, end) = slot(1);
    let m = app
        .gql_ok(
            &owner.token,
            SCHEDULE,
            json!({ "input": { "title": "1:1", "media": "AUDIO", "startsAt": ts(start), "endsAt": ts(end), "attendeeIds": [ann.gid] } }),
        )
        .await["scheduleMeeting"]
        .clone();
    let id = id_of(&m);
    let (code, _) = app
        .gql_err(&eve.token, START, json!({ "input": { "meetingId": id } }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, body) = app
        .gql_err(
            &ann.token,
            START,
            json!({ "input": { "meetingId": id, "chatId": "1" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{body}");

    let started = app
        .gql_ok(&ann.token, START, json!({ "input": { "meetingId": id } }))
        .await["startCall"]
        .clone();
    assert_eq!(started["call"]["media"], "AUDIO", "the meeting's media");
    assert_eq!(started["call"]["meetingId"], id.as_str());
    assert!(
        started["call"]["startMessageId"].is_null(),
        "no chat, no notice"
    );
    let call = started["call"]["id"].as_str().unwrap().to_owned();
    let data = app.gql_ok(&owner.token, MEETING, json!({ "id": id })).await;
    assert_eq!(data["meeting"]["activeCallId"], call.as_str());
    let (code, _) = app.gql_err(&eve.token, JOIN, json!({ "id": call })).await;
    assert_eq!(code, "NOT_FOUND");
    app.gql_ok(&owner.token, JOIN, json!({ "id": call })).await;

    let cancelled =
        app.gql_ok(&owner.token, CANCEL, json!({ "id": id })).await["cancelMeeting"].clone();
    assert!(cancelled["activeCallId"].is_null());
    let data = app
        .gql_ok(
            &ann.token,
            "query($id: ID!) { call(id: $id) { status participants { leftAt } } }",
            json!({ "id": call }),
        )
        .await;
    assert_eq!(data["call"]["status"], "ENDED");
    let (code, _) = app.gql_err(&ann.token, JOIN, json!({ "id": call })).await;
    assert_eq!(code, "CONFLICT");
    // Ending an ended call changes nothing.
    let ended = app.gql_ok(&ann.token, END, json!({ "id": call })).await;
    assert_eq!(ended["endCall"]["status"], "ENDED");
}

// ---------------------------------------------------------------------------------------
// Transcripts and notes

#[tokio::test]
async fn a_retried_transcript_append_with_its_key_appends_once() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let m = schedule(&app, &owner, "Standup", &[], None).await;
    let call = app
        .gql_ok(
            &owner.token,
            START,
            json!({ "input": { "meetingId": id_of(&m) } }),
        )
        .await["startCall"]["call"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let append = "mutation($call: ID!, $segments: [TranscriptSegmentInput!]!, $k: String) { \
        appendTranscriptSegments(callId: $call, segments: $segments, idempotencyKey: $k) { id } }";
    let batch = json!({ "call": call, "k": "chunk-7", "segments": [
        { "speakerName": "Ann", "startMs": 0, "endMs": 900, "text": "Morning" },
        { "speakerName": "Bob", "startMs": 900, "endMs": 2000, "text": "Hi all" },
    ] });
    let first = app.gql_ok(&owner.token, append, batch.clone()).await;
    let again = app.gql_ok(&owner.token, append, batch).await;
    assert_eq!(first, again, "the retry answers the first segments");
    assert_eq!(app.count("transcript_segments").await, 2);
}

#[tokio::test]
async fn transcripts_are_appended_read_back_and_searched_alongside_messages() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let ann = app.user("acme", "ann@acme.test", Role::Member).await;
    let eve = app.user("acme", "eve@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "product", false, &[&ann]).await;
    let m = schedule(&app, &owner, "Roadmap", &[&ann], Some(&chat)).await;
    let meeting = id_of(&m);
    let call = app
        .gql_ok(
            &owner.token,
            START,
            json!({ "input": { "meetingId": meeting } }),
        )
        .await["startCall"]["call"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send(&ann, &chat, "the zeppelin launch slides are ready")
        .await;

    let segments = app
        .gql_ok(
            &owner.token,
            APPEND,
            json!({ "call": call, "lang": "en", "segments": [
                { "speakerId": ann.gid, "startMs": 1500, "endMs": 4200, "text": "The zeppelin launch moves to May" },
                { "speakerName": "Guest speaker", "startMs": 0, "endMs": 1400, "text": "Good morning everyone" },
            ] }),
        )
        .await["appendTranscriptSegments"]
        .clone();
    assert_eq!(segments[0]["speakerId"], ann.gid.as_str());
    assert_eq!(segments[0]["speakerName"], "Ann Tester");
    assert_eq!(segments[1]["speakerName"], "Guest speaker");

    let data = app
        .gql_ok(
            &ann.token,
            "query($c: ID!, $m: ID!) { callTranscript(callId: $c) { callId meetingId language segments { startMs text } } \
             meetingTranscripts(meetingId: $m) { callId segments { text } } }",
            json!({ "c": call, "m": meeting }),
        )
        .await;
    let t = &data["callTranscript"];
    assert_eq!(t["language"], "en");
    assert_eq!(t["meetingId"], meeting.as_str());
    assert_eq!(t["segments"][0]["startMs"], 0, "by start offset");
    assert_eq!(t["segments"][1]["text"], "The zeppelin launch moves to May");
    assert_eq!(data["meetingTranscripts"].as_array().unwrap().len(), 1);

    let search = "query($q: String!) { search(query: $q) { \
        messages { edges { node { content } } } \
        transcriptSegments { edges { node { text callId meetingId speakerName } } } } }";
    let found = app
        .gql_ok(&ann.token, search, json!({ "q": "zeppel" }))
        .await;
    assert_eq!(
        found["search"]["messages"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let hits = found["search"]["transcriptSegments"]["edges"]
        .as_array()
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["node"]["callId"], call.as_str());
    assert_eq!(hits[0]["node"]["speakerName"], "Ann Tester");
    // Eve sees neither the chat nor the meeting.
    let found = app
        .gql_ok(&eve.token, search, json!({ "q": "zeppelin" }))
        .await;
    assert_eq!(
        found["search"]["messages"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        found["search"]["transcriptSegments"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let (code, _) = app
        .gql_err(
            &eve.token,
            "query($c: ID!) { callTranscript(callId: $c) { callId } }",
            json!({ "c": call }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");

    // Bad segments: all or nothing, the field named.
    for (segment, field) in [
        (
            json!({ "startMs": 10, "endMs": 5, "text": "x" }),
            "segments[1].endMs",
        ),
        (
            json!({ "startMs": -1, "endMs": 5, "text": "x" }),
            "segments[1].startMs",
        ),
        (
            json!({ "startMs": 1, "endMs": 5, "text": "  " }),
            "segments[1].text",
        ),
        (
            json!({ "startMs": 1, "endMs": 5, "text": "x", "speakerId": "999999" }),
            "segments[1].speakerId",
        ),
    ] {
        let (code, body) = app
            .gql_err(
                &owner.token,
                APPEND,
                json!({ "call": call, "segments": [{ "startMs": 0, "endMs": 1, "text": "ok" }, segment] }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let (code, _) = app
        .gql_err(
            &owner.token,
            APPEND,
            json!({ "call": call, "segments": [] }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(app.count("transcript_segments").await, 2);
}

#[tokio::test]
async fn meeting_notes_keep_every_revision_and_refuse_stale_edits() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let ann = app.user("acme", "ann@acme.test", Role::Member).await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let eve = app.user("acme", "eve@acme.test", Role::Member).await;
    let m = schedule(&app, &owner, "Kick-off", &[&ann, &bob], None).await;
    let meeting = id_of(&m);

    let note = app
        .gql_ok(
            &ann.token,
            NOTE_CREATE,
            json!({ "m": meeting, "t": "Minutes", "c": "- scope agreed" }),
        )
        .await["createMeetingNote"]
        .clone();
    assert_eq!(note["revision"], 1);
    let id = id_of(&note);

    let v2 = app
        .gql_ok(
            &bob.token,
            NOTE_UPDATE,
            json!({ "id": id, "rev": 1, "c": "- scope agreed\n- budget open" }),
        )
        .await["updateMeetingNote"]
        .clone();
    assert_eq!(v2["revision"], 2);
    assert_eq!(v2["title"], "Minutes");
    assert_eq!(
        v2["revisions"],
        json!([{ "revision": 1, "title": "Minutes", "content": "- scope agreed" }])
    );

    // Ann edits from revision 1 again: someone edited meanwhile.
    let (code, body) = app
        .gql_err(
            &ann.token,
            NOTE_UPDATE,
            json!({ "id": id, "rev": 1, "c": "overwrite" }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "revision");
    let (code, _) = app
        .gql_err(
            &ann.token,
            NOTE_UPDATE,
            json!({ "id": id, "rev": 2, "c": "" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app
        .gql_err(&ann.token, NOTE_UPDATE, json!({ "id": id, "rev": 2 }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app
        .gql_err(
            &eve.token,
            NOTE_UPDATE,
            json!({ "id": id, "rev": 2, "c": "hi" }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = app
        .gql_err(&ann.token, NOTE_CREATE, json!({ "m": meeting, "c": "   " }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");

    let data = app
        .gql_ok(
            &owner.token,
            "query($m: ID!) { meeting(id: $m) { notes { id revision content revisions { revision } } } }",
            json!({ "m": meeting }),
        )
        .await;
    assert_eq!(data["meeting"]["notes"][0]["revision"], 2);
    assert_eq!(
        data["meeting"]["notes"][0]["revisions"],
        json!([{ "revision": 1 }])
    );

    // Only the author, the organiser or an admin deletes.
    let (code, _) = app
        .gql_err(&bob.token, NOTE_DELETE, json!({ "id": id }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let gone = app
        .gql_ok(&ann.token, NOTE_DELETE, json!({ "id": id }))
        .await;
    assert_eq!(gone["deleteMeetingNote"], id.as_str());
    assert_eq!(app.count("meeting_notes").await, 0);
    assert_eq!(app.count("meeting_note_revisions").await, 0);
}

// ---------------------------------------------------------------------------------------
// Subscriptions

const MEETING_CHANGED: &str = "subscription($m: ID) { meetingChanged(meetingId: $m) { \
    eventCursor change meetingId userId noteId meeting { title status } } }";
const CALL_CHANGED: &str = "subscription($c: ID, $chat: ID) { callChanged(callId: $c, chatId: $chat) { \
    eventCursor change callId userId call { status participants { userId } } } }";

async fn subscribe(ws: &mut WsClient, id: &str, query: &str, variables: Value) {
    ws.subscribe(id, query, variables).await.unwrap();
    ws.expect_silence(SETTLE).await;
}

async fn data_of(ws: &mut WsClient, id: &str) -> Value {
    match ws.next_event(WAIT).await.unwrap() {
        (Some(got), Event::Next(payload)) if got == id => {
            assert!(
                payload.get("errors").is_none_or(Value::is_null),
                "subscription {id} failed: {payload}"
            );
            payload["data"].clone()
        }
        other => panic!("expected a result of subscription {id}, got {other:?}"),
    }
}

#[tokio::test]
async fn meeting_changed_reaches_those_who_see_the_meeting_and_nobody_else() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let ann = app.user("acme", "ann@acme.test", Role::Member).await;
    let eve = app.user("acme", "eve@acme.test", Role::Member).await;
    let foreign = app.workspace("other").await;
    let mut ann_ws = app.ws(&ann.token, Protocol::TransportWs).await;
    let mut eve_ws = app.ws(&eve.token, Protocol::LegacyWs).await;
    let mut foreign_ws = app.ws(&foreign.token, Protocol::TransportWs).await;
    subscribe(&mut ann_ws, "m", MEETING_CHANGED, json!({})).await;
    subscribe(&mut eve_ws, "m", MEETING_CHANGED, json!({})).await;
    subscribe(&mut foreign_ws, "m", MEETING_CHANGED, json!({})).await;

    let m = schedule(&app, &owner, "All hands", &[&ann], None).await;
    let id = id_of(&m);
    let got = data_of(&mut ann_ws, "m").await["meetingChanged"].clone();
    assert_eq!(got["change"], "SCHEDULED");
    assert_eq!(got["meetingId"], id.as_str());
    assert_eq!(got["meeting"]["title"], "All hands");
    let cursor = got["eventCursor"].as_str().unwrap().to_owned();

    app.gql_ok(&ann.token, RSVP, json!({ "id": id, "r": "DECLINED" }))
        .await;
    let got = data_of(&mut ann_ws, "m").await["meetingChanged"].clone();
    assert_eq!(got["change"], "RSVP");
    assert_eq!(got["userId"], ann.gid.as_str());

    let note = app
        .gql_ok(
            &ann.token,
            NOTE_CREATE,
            json!({ "m": id, "c": "agenda draft" }),
        )
        .await["createMeetingNote"]["id"]
        .clone();
    let got = data_of(&mut ann_ws, "m").await["meetingChanged"].clone();
    assert_eq!(got["change"], "NOTE_CREATED");
    assert_eq!(got["noteId"], note);

    app.gql_ok(&owner.token, CANCEL, json!({ "id": id })).await;
    let got = data_of(&mut ann_ws, "m").await["meetingChanged"].clone();
    assert_eq!(got["change"], "CANCELLED");
    assert_eq!(got["meeting"]["status"], "CANCELLED");

    eve_ws.expect_silence(SILENCE).await;
    foreign_ws.expect_silence(SILENCE).await;

    // Resuming after the first event replays the rest, in order.
    let mut again = app.ws(&ann.token, Protocol::TransportWs).await;
    let replayed = "subscription($m: ID, $after: String) { meetingChanged(meetingId: $m, after: $after) { change } }";
    again
        .subscribe("r2", replayed, json!({ "m": id, "after": cursor }))
        .await
        .unwrap();
    let mut changes = Vec::new();
    for _ in 0..3 {
        changes.push(data_of(&mut again, "r2").await["meetingChanged"]["change"].clone());
    }
    assert_eq!(
        changes,
        vec![json!("RSVP"), json!("NOTE_CREATED"), json!("CANCELLED")]
    );

    // Subscribing to a meeting one cannot see fails like a missing one.
    eve_ws
        .subscribe("x", MEETING_CHANGED, json!({ "m": id }))
        .await
        .unwrap();
    match eve_ws.next_event(WAIT).await.unwrap() {
        (Some(got), Event::Next(payload)) if got == "x" => {
            assert_eq!(
                payload["errors"][0]["extensions"]["code"], "NOT_FOUND",
                "{payload}"
            );
        }
        (Some(got), Event::Error(payload)) if got == "x" => {
            assert_eq!(payload[0]["extensions"]["code"], "NOT_FOUND", "{payload}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn call_changed_follows_a_call_from_start_to_end() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let ann = app.user("acme", "ann@acme.test", Role::Member).await;
    let eve = app.user("acme", "eve@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "ops", false, &[&ann]).await;
    let mut ann_ws = app.ws(&ann.token, Protocol::TransportWs).await;
    let mut eve_ws = app.ws(&eve.token, Protocol::TransportWs).await;
    subscribe(&mut ann_ws, "c", CALL_CHANGED, json!({ "chat": chat })).await;
    subscribe(&mut eve_ws, "c", CALL_CHANGED, json!({})).await;

    let call = app
        .gql_ok(&owner.token, START, json!({ "input": { "chatId": chat } }))
        .await["startCall"]["call"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let got = data_of(&mut ann_ws, "c").await["callChanged"].clone();
    assert_eq!(got["change"], "STARTED");
    assert_eq!(got["callId"], call.as_str());
    assert_eq!(got["userId"], owner.gid.as_str());

    app.gql_ok(&ann.token, JOIN, json!({ "id": call })).await;
    let got = data_of(&mut ann_ws, "c").await["callChanged"].clone();
    assert_eq!(got["change"], "JOINED");
    assert_eq!(got["userId"], ann.gid.as_str());
    assert_eq!(got["call"]["participants"].as_array().unwrap().len(), 2);

    app.gql_ok(
        &owner.token,
        APPEND,
        json!({ "call": call, "segments": [{ "startMs": 0, "endMs": 900, "text": "hello" }] }),
    )
    .await;
    let got = data_of(&mut ann_ws, "c").await["callChanged"].clone();
    assert_eq!(got["change"], "TRANSCRIPT_APPENDED");

    app.gql_ok(&ann.token, LEAVE, json!({ "id": call })).await;
    let got = data_of(&mut ann_ws, "c").await["callChanged"].clone();
    assert_eq!(got["change"], "LEFT");

    app.gql_ok(&owner.token, END, json!({ "id": call })).await;
    let got = data_of(&mut ann_ws, "c").await["callChanged"].clone();
    assert_eq!(got["change"], "ENDED");
    assert_eq!(got["call"]["status"], "ENDED");

    eve_ws.expect_silence(SILENCE).await;
    ann_ws.close().await;
}
