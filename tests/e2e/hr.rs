//! HR over GraphQL: sites and geofenced attendance, timesheets, leave (types, balances,
//! requests, decisions, the approver's direct message and its buttons), rosters with
//! conflicts, the document vault with signed downloads and their audit, tenancy and the
//! HR subscriptions — every operation, with its failure cases.
//!
//! The team of [`team`]: an owner (HR by role), a department manager, a member of the
//! manager's department, and a peer in no department. Fixed dates lie in 2030 (March 4th
//! is a Monday) so leave stays in the future whatever day the suite runs.

use std::time::Duration;

use resolvers::people::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::util::ws::Event;
use crate::util::{Actor, Protocol, TestApp, WsClient, rid};

/// Time for a fresh subscription to attach to the bus.
const SETTLE: Duration = Duration::from_millis(150);
/// How long an expected message may take.
const WAIT: Duration = Duration::from_secs(5);

/// Centre of the test site (Berlin, Alexanderplatz).
const LAT: f64 = 52.5219;
const LNG: f64 = 13.4132;

struct Team {
    owner: Actor,
    manager: Actor,
    member: Actor,
    peer: Actor,
}

async fn exec(app: &TestApp, sql: &str) {
    app.db.execute_unprepared(sql).await.unwrap();
}

/// Owner, a manager of "Sales", a member of "Sales", and a peer in no department.
async fn team(app: &TestApp) -> Team {
    let owner = app.workspace("acme").await;
    let manager = app.user("acme", "mia@acme.test", Role::Member).await;
    let member = app.user("acme", "max@acme.test", Role::Member).await;
    let peer = app.user("acme", "pia@acme.test", Role::Member).await;
    let dep = app
        .gql_ok(
            &owner.token,
            "mutation($m: ID) { createDepartment(name: \"Sales\", managerId: $m) { id } }",
            json!({ "m": manager.gid }),
        )
        .await["createDepartment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    exec(
        app,
        &format!(
            "UPDATE users SET department_id = {} WHERE id = {}",
            rid(&dep),
            member.id
        ),
    )
    .await;
    Team {
        owner,
        manager,
        member,
        peer,
    }
}

const CREATE_SITE: &str = "mutation($i: CreateSiteInput!) { createSite(input: $i) {
    id name latitude longitude radiusMeters timezone members { id } } }";

async fn site(app: &TestApp, hr: &Actor, members: &[&Actor]) -> String {
    let ids: Vec<&str> = members.iter().map(|m| m.gid.as_str()).collect();
    app.gql_ok(
        &hr.token,
        CREATE_SITE,
        json!({ "i": { "name": "HQ", "latitude": LAT, "longitude": LNG, "radiusMeters": 100.0,
                       "timezone": "Europe/Berlin", "memberIds": ids } }),
    )
    .await["createSite"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const CLOCK_IN: &str = "mutation($lat: Float!, $lng: Float!) {
    clockIn(input: { latitude: $lat, longitude: $lng, accuracy: 12.5 }) {
      id open site { id name } clockInLocation { latitude longitude accuracy } workedMinutes } }";
const CLOCK_OUT: &str = "mutation($lat: Float!, $lng: Float!) {
    clockOut(input: { latitude: $lat, longitude: $lng }) { id open clockOutAt workedMinutes clockOutLocation { latitude } } }";

fn err_message(body: &Value) -> String {
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------------------------
// Sites

#[tokio::test]
async fn sites_are_managed_by_hr_and_seen_by_their_members() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let id = site(&app, &t.owner, &[&t.member]).await;
    // A member cannot create one.
    let (code, _) = app
        .gql_err(
            &t.member.token,
            CREATE_SITE,
            json!({ "i": { "name": "X", "latitude": 1.0, "longitude": 1.0, "radiusMeters": 50.0 } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    // Bad input names the field.
    let (code, body) = app
        .gql_err(
            &t.owner.token,
            CREATE_SITE,
            json!({ "i": { "name": "X", "latitude": 91.0, "longitude": 1.0, "radiusMeters": 50.0 } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "latitude");
    let (_, body) = app
        .gql_err(
            &t.owner.token,
            CREATE_SITE,
            json!({ "i": { "name": "X", "latitude": 1.0, "longitude": 1.0, "radiusMeters": 5.0 } }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "radiusMeters");
    let (_, body) = app
        .gql_err(
            &t.owner.token,
            CREATE_SITE,
            json!({ "i": { "name": "X", "latitude": 1.0, "longitude": 1.0, "radiusMeters": 50.0, "timezone": "Mars/Olympus" } }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "timezone");

    // The member sees their site; the peer sees none and gets null for it.
    let q = "query($id: ID!) { sites { id } site(id: $id) { id name members { id } } }";
    let seen = app.gql_ok(&t.member.token, q, json!({ "id": id })).await;
    assert_eq!(seen["sites"].as_array().unwrap().len(), 1);
    assert_eq!(seen["site"]["members"][0]["id"], t.member.gid.as_str());
    let unseen = app.gql_ok(&t.peer.token, q, json!({ "id": id })).await;
    assert_eq!(unseen["sites"], json!([]));
    assert!(unseen["site"].is_null());

    // Update: rename, widen, reassign.
    let updated = app
        .gql_ok(
            &t.owner.token,
            "mutation($id: ID!, $m: [ID!]) { updateSite(id: $id, input: { name: \"Head office\", radiusMeters: 250, memberIds: $m }) {
                name radiusMeters members { id } } }",
            json!({ "id": id, "m": [t.peer.gid] }),
        )
        .await;
    assert_eq!(updated["updateSite"]["name"], "Head office");
    assert_eq!(updated["updateSite"]["radiusMeters"], 250.0);
    assert_eq!(
        updated["updateSite"]["members"],
        json!([{ "id": t.peer.gid }])
    );

    // Delete: refused while someone is clocked in there, then done.
    app.gql_ok(&t.peer.token, CLOCK_IN, json!({ "lat": LAT, "lng": LNG }))
        .await;
    let del = "mutation($id: ID!) { deleteSite(id: $id) }";
    let (code, _) = app.gql_err(&t.owner.token, del, json!({ "id": id })).await;
    assert_eq!(code, "INVALID_STATE");
    app.gql_ok(&t.peer.token, CLOCK_OUT, json!({ "lat": LAT, "lng": LNG }))
        .await;
    let gone = app.gql_ok(&t.owner.token, del, json!({ "id": id })).await;
    assert_eq!(gone["deleteSite"], id.as_str());
    // The attendance entry keeps its site id.
    let rows = app
        .gql_ok(
            &t.peer.token,
            "query { timesheet(from: \"2020-01-01\", to: \"2020-01-02\") { totalWorkedMinutes } }",
            json!({}),
        )
        .await;
    assert_eq!(rows["timesheet"]["totalWorkedMinutes"], 0);
}

// ---------------------------------------------------------------------------------
// Attendance

#[tokio::test]
async fn clock_in_inside_the_fence_then_out() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let id = site(&app, &t.owner, &[&t.member]).await;
    // ~55 m north of the centre: inside the 100 m fence.
    let data = app
        .gql_ok(
            &t.member.token,
            CLOCK_IN,
            json!({ "lat": LAT + 0.0005, "lng": LNG }),
        )
        .await;
    let entry = &data["clockIn"];
    assert_eq!(entry["open"], true);
    assert_eq!(entry["site"]["id"], id.as_str());
    assert_eq!(entry["clockInLocation"]["accuracy"], 12.5);
    let current = app
        .gql_ok(&t.member.token, "{ currentAttendance { id } }", json!({}))
        .await;
    assert_eq!(current["currentAttendance"]["id"], entry["id"]);

    let out = app
        .gql_ok(
            &t.member.token,
            CLOCK_OUT,
            json!({ "lat": LAT, "lng": LNG }),
        )
        .await;
    assert_eq!(out["clockOut"]["id"], entry["id"]);
    assert_eq!(out["clockOut"]["open"], false);
    assert_eq!(out["clockOut"]["clockOutLocation"]["latitude"], LAT);
    let current = app
        .gql_ok(&t.member.token, "{ currentAttendance { id } }", json!({}))
        .await;
    assert!(current["currentAttendance"].is_null());
}

#[tokio::test]
async fn clock_in_outside_every_fence_is_refused_with_the_distance() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    site(&app, &t.owner, &[&t.member]).await;
    // 0.01° of latitude north: ~1,112 m from the centre.
    let (code, body) = app
        .gql_err(
            &t.member.token,
            CLOCK_IN,
            json!({ "lat": LAT + 0.01, "lng": LNG }),
        )
        .await;
    assert_eq!(code, "OUTSIDE_GEOFENCE");
    let message = err_message(&body);
    assert!(message.contains("1112 m"), "{message}");
    assert!(message.contains("`HQ`"), "{message}");
    assert!(message.contains("100 m fence"), "{message}");
    assert_eq!(app.count("hr_attendance").await, 0);
}

#[tokio::test]
async fn clock_in_without_a_site_and_bad_positions() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let (code, _) = app
        .gql_err(&t.peer.token, CLOCK_IN, json!({ "lat": LAT, "lng": LNG }))
        .await;
    assert_eq!(code, "NO_SITE_ASSIGNED");
    let (code, body) = app
        .gql_err(&t.peer.token, CLOCK_IN, json!({ "lat": LAT, "lng": 181.0 }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "longitude");
    let (code, body) = app
        .gql_err(
            &t.peer.token,
            "mutation { clockIn(input: { latitude: 1, longitude: 1, accuracy: -3 }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "accuracy");
}

#[tokio::test]
async fn double_clock_in_and_clock_out_rules() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    site(&app, &t.owner, &[&t.member]).await;
    let (code, _) = app
        .gql_err(
            &t.member.token,
            CLOCK_OUT,
            json!({ "lat": LAT, "lng": LNG }),
        )
        .await;
    assert_eq!(code, "NOT_CLOCKED_IN");
    app.gql_ok(&t.member.token, CLOCK_IN, json!({ "lat": LAT, "lng": LNG }))
        .await;
    let (code, _) = app
        .gql_err(&t.member.token, CLOCK_IN, json!({ "lat": LAT, "lng": LNG }))
        .await;
    assert_eq!(code, "ALREADY_CLOCKED_IN");
    assert_eq!(app.count("hr_attendance").await, 1);
    // Clocking out from outside the entry's fence is refused too.
    let (code, body) = app
        .gql_err(
            &t.member.token,
            CLOCK_OUT,
            json!({ "lat": LAT, "lng": LNG + 0.01 }),
        )
        .await;
    assert_eq!(code, "OUTSIDE_GEOFENCE");
    assert!(err_message(&body).contains(" m from the centre"));
}

#[tokio::test]
async fn hr_closes_an_open_entry_and_others_may_not() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    site(&app, &t.owner, &[&t.member]).await;
    let entry = app
        .gql_ok(&t.member.token, CLOCK_IN, json!({ "lat": LAT, "lng": LNG }))
        .await["clockIn"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let close = "mutation($id: ID!) { closeAttendanceEntry(id: $id, note: \"forgot\") {
        open note closedBy { id } clockOutLocation { latitude } } }";
    // Not the member's manager role: only HR closes entries.
    let (code, _) = app
        .gql_err(&t.manager.token, close, json!({ "id": entry }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app
        .gql_err(&t.member.token, close, json!({ "id": entry }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let closed = app
        .gql_ok(&t.owner.token, close, json!({ "id": entry }))
        .await;
    let c = &closed["closeAttendanceEntry"];
    assert_eq!(c["open"], false);
    assert_eq!(c["note"], "forgot");
    assert_eq!(c["closedBy"]["id"], t.owner.gid.as_str());
    assert!(c["clockOutLocation"].is_null());
    // Closed once only; the member may clock in again.
    let (code, _) = app
        .gql_err(&t.owner.token, close, json!({ "id": entry }))
        .await;
    assert_eq!(code, "INVALID_STATE");
    app.gql_ok(&t.member.token, CLOCK_IN, json!({ "lat": LAT, "lng": LNG }))
        .await;
    // An HR-admin flag makes a member HR.
    let set = "mutation($u: ID!, $f: Boolean!) { setHrAdmin(userId: $u, hrAdmin: $f) { id } }";
    let (code, _) = app
        .gql_err(
            &t.manager.token,
            set,
            json!({ "u": t.manager.gid, "f": true }),
        )
        .await;
    // A member's role carries no `users:update`: only owners and admins appoint HR.
    assert_eq!(code, "INSUFFICIENT_SCOPE");
    app.gql_ok(&t.owner.token, set, json!({ "u": t.peer.gid, "f": true }))
        .await;
    let open = app
        .gql_ok(&t.member.token, "{ currentAttendance { id } }", json!({}))
        .await["currentAttendance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(&t.peer.token, close, json!({ "id": open }))
        .await;
}

#[tokio::test]
async fn timesheet_counts_worked_hours_per_day() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    site(&app, &t.owner, &[&t.member]).await;
    let entry = app
        .gql_ok(&t.member.token, CLOCK_IN, json!({ "lat": LAT, "lng": LNG }))
        .await["clockIn"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Arrange: the shift began 8 h 30 min ago.
    let started = chrono::Utc::now() - chrono::Duration::minutes(510);
    let stamp = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!("'{}'", started.to_rfc3339()),
        _ => format!("'{}'", started.format("%Y-%m-%d %H:%M:%S%.6f+00:00")),
    };
    exec(
        &app,
        &format!(
            "UPDATE hr_attendance SET clock_in_at = {stamp} WHERE id = {}",
            rid(&entry)
        ),
    )
    .await;
    let out = app
        .gql_ok(
            &t.member.token,
            CLOCK_OUT,
            json!({ "lat": LAT, "lng": LNG }),
        )
        .await;
    assert_eq!(out["clockOut"]["workedMinutes"], 510);
    let berlin_day = started
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive();
    let q = "query($u: ID, $f: NaiveDate!, $t: NaiveDate!) { timesheet(userId: $u, from: $f, to: $t) {
        user { id } totalWorkedMinutes totalWorkedHours days { date workedMinutes workedHours entries { id } } } }";
    let vars = |u: Option<&str>| {
        json!({ "u": u, "f": (berlin_day - chrono::Duration::days(3)).to_string(),
                "t": (berlin_day + chrono::Duration::days(3)).to_string() })
    };
    let sheet = app.gql_ok(&t.member.token, q, vars(None)).await;
    let ts = &sheet["timesheet"];
    assert_eq!(ts["user"]["id"], t.member.gid.as_str());
    assert_eq!(ts["totalWorkedMinutes"], 510);
    assert_eq!(ts["totalWorkedHours"], 8.5);
    assert_eq!(ts["days"].as_array().unwrap().len(), 1);
    assert_eq!(ts["days"][0]["date"], berlin_day.to_string());
    assert_eq!(ts["days"][0]["workedHours"], 8.5);
    assert_eq!(ts["days"][0]["entries"][0]["id"], entry.as_str());
    // The department manager and HR see it; a peer may not.
    let by_manager = app
        .gql_ok(&t.manager.token, q, vars(Some(&t.member.gid)))
        .await;
    assert_eq!(by_manager["timesheet"]["totalWorkedMinutes"], 510);
    let by_owner = app
        .gql_ok(&t.owner.token, q, vars(Some(&t.member.gid)))
        .await;
    assert_eq!(by_owner["timesheet"]["totalWorkedMinutes"], 510);
    let (code, _) = app
        .gql_err(&t.peer.token, q, vars(Some(&t.member.gid)))
        .await;
    assert_eq!(code, "FORBIDDEN");
    // Period rules.
    let (code, body) = app
        .gql_err(
            &t.member.token,
            q,
            json!({ "f": "2030-01-01", "t": "2030-06-01" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "to");
}

// ---------------------------------------------------------------------------------
// Leave

const CREATE_REQUEST: &str = "mutation($i: CreateLeaveRequestInput!) { createLeaveRequest(input: $i) {
    id status days startHalfDay endHalfDay reason approver { id } leaveType { name } user { id } } }";
const BALANCES: &str = "query($u: ID) { leaveBalances(userId: $u, year: 2030) {
    leaveType { id name } year allowanceDays usedDays pendingDays remainingDays } }";
const APPROVE: &str = "mutation($id: ID!, $c: String) { approveLeaveRequest(id: $id, comment: $c) {
    id status decidedBy { id } decidedAt decisionComment } }";
const REJECT: &str = "mutation($id: ID!, $c: String) { rejectLeaveRequest(id: $id, comment: $c) {
    id status decisionComment } }";
const CANCEL: &str = "mutation($id: ID!) { cancelLeaveRequest(id: $id) { id status } }";

async fn leave_type(app: &TestApp, hr: &Actor, name: &str, days: f64) -> String {
    app.gql_ok(
        &hr.token,
        "mutation($n: String!, $d: Float!) { createLeaveType(input: { name: $n, allowanceDays: $d }) { id name allowanceDays } }",
        json!({ "n": name, "d": days }),
    )
    .await["createLeaveType"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn request(app: &TestApp, who: &Actor, kind: &str, from: &str, to: &str) -> Value {
    app.gql_ok(
        &who.token,
        CREATE_REQUEST,
        json!({ "i": { "leaveTypeId": kind, "startDate": from, "endDate": to } }),
    )
    .await["createLeaveRequest"]
        .clone()
}

fn balance_of<'a>(data: &'a Value, name: &str) -> &'a Value {
    data["leaveBalances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["leaveType"]["name"] == name)
        .unwrap()
}

#[tokio::test]
async fn leave_types_allowances_and_balances() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let annual = leave_type(&app, &t.owner, "Annual", 25.0).await;
    leave_type(&app, &t.owner, "Sick", 10.0).await;
    let (code, body) = app
        .gql_err(
            &t.owner.token,
            "mutation { createLeaveType(input: { name: \"Annual\", allowanceDays: 3 }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "name");
    let (code, body) = app
        .gql_err(
            &t.owner.token,
            "mutation { createLeaveType(input: { name: \"Odd\", allowanceDays: 1.25 }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "allowanceDays");
    let (code, _) = app
        .gql_err(
            &t.member.token,
            "mutation { createLeaveType(input: { name: \"Mine\", allowanceDays: 99 }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let types = app
        .gql_ok(
            &t.member.token,
            "{ leaveTypes { name allowanceDays } }",
            json!({}),
        )
        .await;
    assert_eq!(
        types["leaveTypes"],
        json!([{ "name": "Annual", "allowanceDays": 25.0 }, { "name": "Sick", "allowanceDays": 10.0 }])
    );
    let renamed = app
        .gql_ok(
            &t.owner.token,
            "mutation($id: ID!) { updateLeaveType(id: $id, allowanceDays: 26) { allowanceDays } }",
            json!({ "id": annual }),
        )
        .await;
    assert_eq!(renamed["updateLeaveType"]["allowanceDays"], 26.0);

    // A personal allowance for 2030.
    let set = app
        .gql_ok(
            &t.owner.token,
            "mutation($u: ID!, $t: ID!) { setLeaveAllowance(userId: $u, leaveTypeId: $t, year: 2030, allowanceDays: 30.5) {
                allowanceDays remainingDays user { id } } }",
            json!({ "u": t.member.gid, "t": annual }),
        )
        .await;
    assert_eq!(set["setLeaveAllowance"]["allowanceDays"], 30.5);
    let mine = app.gql_ok(&t.member.token, BALANCES, json!({})).await;
    let b = balance_of(&mine, "Annual");
    assert_eq!(
        (b["allowanceDays"].clone(), b["remainingDays"].clone()),
        (json!(30.5), json!(30.5))
    );
    assert_eq!(balance_of(&mine, "Sick")["allowanceDays"], 10.0);
    // The manager sees their report's balances; a peer may not.
    app.gql_ok(&t.manager.token, BALANCES, json!({ "u": t.member.gid }))
        .await;
    let (code, _) = app
        .gql_err(&t.peer.token, BALANCES, json!({ "u": t.member.gid }))
        .await;
    assert_eq!(code, "FORBIDDEN");
}

#[tokio::test]
async fn half_days_overlap_and_balance_rules() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let annual = leave_type(&app, &t.owner, "Annual", 6.0).await;
    // Mon 4 – Fri 8 March 2030 with both ends halved: 4 days.
    let first = app
        .gql_ok(
            &t.member.token,
            CREATE_REQUEST,
            json!({ "i": { "leaveTypeId": annual, "startDate": "2030-03-04", "endDate": "2030-03-08",
                           "startHalfDay": true, "endHalfDay": true, "reason": "Family" } }),
        )
        .await["createLeaveRequest"]
        .clone();
    assert_eq!(first["status"], "PENDING");
    assert_eq!(first["days"], 4.0);
    assert_eq!(first["approver"]["id"], t.manager.gid.as_str());
    assert_eq!(first["reason"], "Family");

    // Overlapping a pending request (sharing Friday the 8th).
    let (code, body) = app
        .gql_err(
            &t.member.token,
            CREATE_REQUEST,
            json!({ "i": { "leaveTypeId": annual, "startDate": "2030-03-08", "endDate": "2030-03-11" } }),
        )
        .await;
    assert_eq!(code, "LEAVE_OVERLAP");
    assert!(err_message(&body).contains(&rid(first["id"].as_str().unwrap()).to_string()));

    // 6 allowed, 4 pending: three more days exceed the balance.
    let (code, body) = app
        .gql_err(
            &t.member.token,
            CREATE_REQUEST,
            json!({ "i": { "leaveTypeId": annual, "startDate": "2030-04-01", "endDate": "2030-04-03" } }),
        )
        .await;
    assert_eq!(code, "INSUFFICIENT_LEAVE_BALANCE");
    assert!(
        err_message(&body).contains("only 2 remain"),
        "{}",
        err_message(&body)
    );
    // Two days fit exactly; a half day more does not.
    request(&app, &t.member, &annual, "2030-04-01", "2030-04-02").await;
    let (code, _) = app
        .gql_err(
            &t.member.token,
            CREATE_REQUEST,
            json!({ "i": { "leaveTypeId": annual, "startDate": "2030-04-10", "endDate": "2030-04-10", "startHalfDay": true } }),
        )
        .await;
    assert_eq!(code, "INSUFFICIENT_LEAVE_BALANCE");
    let b = app.gql_ok(&t.member.token, BALANCES, json!({})).await;
    let b = balance_of(&b, "Annual");
    assert_eq!(b["pendingDays"], 6.0);
    assert_eq!(b["remainingDays"], 0.0);

    // Bad periods name their field.
    for (from, to, field) in [
        ("2030-03-20", "2030-03-19", "endDate"),
        ("2030-12-30", "2031-01-02", "endDate"),
        ("2030-03-09", "2030-03-10", "endDate"),
    ] {
        let (code, body) = app
            .gql_err(
                &t.member.token,
                CREATE_REQUEST,
                json!({ "i": { "leaveTypeId": annual, "startDate": from, "endDate": to } }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{from}..{to}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
    assert_eq!(app.count("hr_leave_requests").await, 2);
}

#[tokio::test]
async fn the_manager_approves_and_the_balance_follows() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let annual = leave_type(&app, &t.owner, "Annual", 20.0).await;
    let req = request(&app, &t.member, &annual, "2030-03-04", "2030-03-08").await;
    let id = req["id"].as_str().unwrap().to_owned();

    // A peer cannot see it; the requester may not decide their own.
    let (code, _) = app
        .gql_err(&t.peer.token, APPROVE, json!({ "id": id }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = app
        .gql_err(&t.member.token, APPROVE, json!({ "id": id }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let none = app
        .gql_ok(
            &t.peer.token,
            "query($id: ID!) { leaveRequest(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(none["leaveRequest"].is_null());

    // The manager's inbox holds it.
    let inbox = app
        .gql_ok(
            &t.manager.token,
            "{ leaveRequests(awaitingMyDecision: true) { edges { node { id user { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        inbox["leaveRequests"]["edges"][0]["node"]["id"],
        id.as_str()
    );
    let peer_inbox = app
        .gql_ok(
            &t.peer.token,
            "{ leaveRequests(awaitingMyDecision: true) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(peer_inbox["leaveRequests"]["edges"], json!([]));

    let approved = app
        .gql_ok(&t.manager.token, APPROVE, json!({ "id": id, "c": "Enjoy" }))
        .await;
    let a = &approved["approveLeaveRequest"];
    assert_eq!(a["status"], "APPROVED");
    assert_eq!(a["decidedBy"]["id"], t.manager.gid.as_str());
    assert_eq!(a["decisionComment"], "Enjoy");
    assert!(a["decidedAt"].is_string());
    let b = app.gql_ok(&t.member.token, BALANCES, json!({})).await;
    let b = balance_of(&b, "Annual");
    assert_eq!(
        (
            b["usedDays"].clone(),
            b["pendingDays"].clone(),
            b["remainingDays"].clone()
        ),
        (json!(5.0), json!(0.0), json!(15.0))
    );
    // Decided once only.
    let (code, _) = app
        .gql_err(&t.owner.token, REJECT, json!({ "id": id }))
        .await;
    assert_eq!(code, "INVALID_STATE");

    // An overlapping request is refused against the approved one too.
    let (code, _) = app
        .gql_err(
            &t.member.token,
            CREATE_REQUEST,
            json!({ "i": { "leaveTypeId": annual, "startDate": "2030-03-06", "endDate": "2030-03-06" } }),
        )
        .await;
    assert_eq!(code, "LEAVE_OVERLAP");

    // HR rejects another, with a comment; the balance is unchanged.
    let other = request(&app, &t.member, &annual, "2030-05-06", "2030-05-06").await;
    let rejected = app
        .gql_ok(
            &t.owner.token,
            REJECT,
            json!({ "id": other["id"], "c": "Busy week" }),
        )
        .await;
    assert_eq!(rejected["rejectLeaveRequest"]["status"], "REJECTED");
    assert_eq!(
        rejected["rejectLeaveRequest"]["decisionComment"],
        "Busy week"
    );
    let b = app.gql_ok(&t.member.token, BALANCES, json!({})).await;
    assert_eq!(balance_of(&b, "Annual")["usedDays"], 5.0);

    // Lists: the member's own, filtered by status.
    let list = app
        .gql_ok(
            &t.member.token,
            "{ leaveRequests(status: APPROVED) { edges { node { id status } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["leaveRequests"]["edges"].as_array().unwrap().len(), 1);
    let (code, _) = app
        .gql_err(
            &t.peer.token,
            "query($u: ID) { leaveRequests(userId: $u) { edges { node { id } } } }",
            json!({ "u": t.member.gid }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
}

#[tokio::test]
async fn only_the_requester_cancels_and_approved_days_come_back() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let annual = leave_type(&app, &t.owner, "Annual", 20.0).await;
    let pending = request(&app, &t.member, &annual, "2030-03-04", "2030-03-04").await;
    let (code, _) = app
        .gql_err(&t.manager.token, CANCEL, json!({ "id": pending["id"] }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app
        .gql_err(&t.peer.token, CANCEL, json!({ "id": pending["id"] }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let cancelled = app
        .gql_ok(&t.member.token, CANCEL, json!({ "id": pending["id"] }))
        .await;
    assert_eq!(cancelled["cancelLeaveRequest"]["status"], "CANCELLED");
    let (code, _) = app
        .gql_err(&t.member.token, CANCEL, json!({ "id": pending["id"] }))
        .await;
    assert_eq!(code, "INVALID_STATE");

    // Approved and in the future: cancelling returns the days.
    let approved = request(&app, &t.member, &annual, "2030-03-11", "2030-03-15").await;
    app.gql_ok(&t.manager.token, APPROVE, json!({ "id": approved["id"] }))
        .await;
    let b = app.gql_ok(&t.member.token, BALANCES, json!({})).await;
    assert_eq!(balance_of(&b, "Annual")["usedDays"], 5.0);
    app.gql_ok(&t.member.token, CANCEL, json!({ "id": approved["id"] }))
        .await;
    let b = app.gql_ok(&t.member.token, BALANCES, json!({})).await;
    assert_eq!(balance_of(&b, "Annual")["usedDays"], 0.0);
    assert_eq!(balance_of(&b, "Annual")["remainingDays"], 20.0);
}

// ---------------------------------------------------------------------------------
// The approver's direct message

#[tokio::test]
async fn the_approver_gets_a_direct_message_with_decision_buttons() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let annual = leave_type(&app, &t.owner, "Annual", 20.0).await;
    let req = request(&app, &t.member, &annual, "2030-03-04", "2030-03-05").await;
    let id = rid(req["id"].as_str().unwrap());
    let chats = app
        .gql_ok(
            &t.manager.token,
            "{ chats(kind: DIRECT, memberOnly: true) { edges { node { id messages(first: 5) { edges { node {
                content author { id } buttons } } } } } } }",
            json!({}),
        )
        .await;
    let edges = chats["chats"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{chats:#}");
    let message = &edges[0]["node"]["messages"]["edges"][0]["node"];
    assert_eq!(message["author"]["id"], t.member.gid.as_str());
    let content = message["content"].as_str().unwrap();
    assert!(content.contains("2 day(s) of Annual"), "{content}");
    assert_eq!(
        message["buttons"],
        json!([[
            { "text": "Approve", "data": format!("sb:leave:approve:{id}") },
            { "text": "Reject", "data": format!("sb:leave:reject:{id}") }
        ]])
    );
}

const CLICK: &str = "mutation($m: ID!, $d: String!) { clickMessageButton(messageId: $m, data: $d) { data triggerId } }";

/// The approver's direct message about a request: its global id and button data.
async fn approval_message(app: &TestApp, approver: &Actor) -> (String, Value) {
    let chats = app
        .gql_ok(
            &approver.token,
            "{ chats(kind: DIRECT, memberOnly: true) { edges { node { messages(first: 1) { edges { node {
                id buttons } } } } } } }",
            json!({}),
        )
        .await;
    let node = &chats["chats"]["edges"][0]["node"]["messages"]["edges"][0]["node"];
    (
        node["id"].as_str().unwrap().to_owned(),
        node["buttons"].clone(),
    )
}

#[tokio::test]
async fn the_approve_button_decides_the_request_as_the_clicking_user() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let annual = leave_type(&app, &t.owner, "Annual", 20.0).await;
    let req = request(&app, &t.member, &annual, "2030-03-04", "2030-03-05").await;
    let (message, buttons) = approval_message(&app, &t.manager).await;
    let approve = buttons[0][0]["data"].as_str().unwrap().to_owned();
    let reject = buttons[0][1]["data"].as_str().unwrap().to_owned();

    // The requester reads the same direct message, but may not decide their own request.
    let (code, _) = app
        .gql_err(
            &t.member.token,
            CLICK,
            json!({ "m": message, "d": approve }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    // Someone outside the chat cannot even see the message.
    let (code, _) = app
        .gql_err(&t.peer.token, CLICK, json!({ "m": message, "d": approve }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    // Data the message does not carry is refused, even for a real request.
    let forged = format!("sb:leave:approve:{}", rid(req["id"].as_str().unwrap()) + 1);
    let (code, body) = app
        .gql_err(
            &t.manager.token,
            CLICK,
            json!({ "m": message, "d": forged }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "data");

    // The manager's click approves it and moves the days into the balance.
    let clicked = app
        .gql_ok(
            &t.manager.token,
            CLICK,
            json!({ "m": message, "d": approve }),
        )
        .await;
    assert_eq!(clicked["clickMessageButton"]["data"], approve.as_str());
    let after = app
        .gql_ok(
            &t.member.token,
            "query($id: ID!) { leaveRequest(id: $id) { status decidedBy { id } } }",
            json!({ "id": req["id"] }),
        )
        .await;
    assert_eq!(after["leaveRequest"]["status"], "APPROVED");
    assert_eq!(
        after["leaveRequest"]["decidedBy"]["id"],
        t.manager.gid.as_str()
    );
    let b = app.gql_ok(&t.member.token, BALANCES, json!({})).await;
    assert_eq!(balance_of(&b, "Annual")["usedDays"], 2.0);

    // A decided request cannot be decided again by its other button.
    let (code, _) = app
        .gql_err(
            &t.manager.token,
            CLICK,
            json!({ "m": message, "d": reject }),
        )
        .await;
    assert_eq!(code, "INVALID_STATE");
}

#[tokio::test]
async fn the_reject_button_rejects_the_request() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let annual = leave_type(&app, &t.owner, "Annual", 20.0).await;
    let req = request(&app, &t.member, &annual, "2030-03-04", "2030-03-04").await;
    let (message, buttons) = approval_message(&app, &t.manager).await;
    let reject = buttons[0][1]["data"].as_str().unwrap().to_owned();
    app.gql_ok(
        &t.manager.token,
        CLICK,
        json!({ "m": message, "d": reject }),
    )
    .await;
    let after = app
        .gql_ok(
            &t.member.token,
            "query($id: ID!) { leaveRequest(id: $id) { status } }",
            json!({ "id": req["id"] }),
        )
        .await;
    assert_eq!(after["leaveRequest"]["status"], "REJECTED");
    let b = app.gql_ok(&t.member.token, BALANCES, json!({})).await;
    assert_eq!(balance_of(&b, "Annual")["usedDays"], 0.0);
    assert_eq!(balance_of(&b, "Annual")["pendingDays"], 0.0);
}

// ---------------------------------------------------------------------------------
// Rosters

const CREATE_SHIFT: &str = "mutation($i: CreateShiftInput!) { createShift(input: $i) {
    id status role note startsAt endsAt user { id } site { id } } }";

async fn shift(app: &TestApp, hr: &Actor, who: &Actor, from: &str, to: &str) -> Value {
    app.gql_ok(
        &hr.token,
        CREATE_SHIFT,
        json!({ "i": { "userId": who.gid, "startsAt": from, "endsAt": to, "role": "Cashier" } }),
    )
    .await["createShift"]
        .clone()
}

#[tokio::test]
async fn shifts_conflict_with_overlaps_and_approved_leave() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let site_id = site(&app, &t.owner, &[&t.member]).await;
    let first = app
        .gql_ok(
            &t.owner.token,
            CREATE_SHIFT,
            json!({ "i": { "userId": t.member.gid, "siteId": site_id, "startsAt": "2030-03-05T08:00:00Z",
                           "endsAt": "2030-03-05T16:00:00Z", "role": "Cashier", "note": "Till 2" } }),
        )
        .await["createShift"]
        .clone();
    assert_eq!(first["status"], "DRAFT");
    assert_eq!(first["site"]["id"], site_id.as_str());
    assert_eq!(first["note"], "Till 2");
    // Overlap for the same member.
    let (code, body) = app
        .gql_err(
            &t.owner.token,
            CREATE_SHIFT,
            json!({ "i": { "userId": t.member.gid, "startsAt": "2030-03-05T15:00:00Z", "endsAt": "2030-03-05T20:00:00Z" } }),
        )
        .await;
    assert_eq!(code, "SHIFT_CONFLICT");
    assert!(err_message(&body).contains(&format!(
        "overlaps shift {}",
        rid(first["id"].as_str().unwrap())
    )));
    // Back to back is fine, and another member may overlap.
    shift(
        &app,
        &t.owner,
        &t.member,
        "2030-03-05T16:00:00Z",
        "2030-03-05T20:00:00Z",
    )
    .await;
    shift(
        &app,
        &t.owner,
        &t.peer,
        "2030-03-05T08:00:00Z",
        "2030-03-05T16:00:00Z",
    )
    .await;

    // During approved leave.
    let annual = leave_type(&app, &t.owner, "Annual", 20.0).await;
    let leave = request(&app, &t.member, &annual, "2030-03-07", "2030-03-08").await;
    // Pending leave does not block …
    let pending_day = shift(
        &app,
        &t.owner,
        &t.member,
        "2030-03-07T08:00:00Z",
        "2030-03-07T12:00:00Z",
    )
    .await;
    app.gql_ok(&t.manager.token, APPROVE, json!({ "id": leave["id"] }))
        .await;
    // … approved leave does.
    let (code, body) = app
        .gql_err(
            &t.owner.token,
            CREATE_SHIFT,
            json!({ "i": { "userId": t.member.gid, "startsAt": "2030-03-08T08:00:00Z", "endsAt": "2030-03-08T12:00:00Z" } }),
        )
        .await;
    assert_eq!(code, "SHIFT_CONFLICT");
    assert!(
        err_message(&body).contains("approved leave request"),
        "{}",
        err_message(&body)
    );

    // The week view reports the shift now inside approved leave.
    let week = app
        .gql_ok(
            &t.owner.token,
            "{ rosterWeek(date: \"2030-03-06\") { weekStart weekEnd shifts { id } conflicts { kind shift { id } leaveRequest { id } otherShift { id } } } }",
            json!({}),
        )
        .await;
    let w = &week["rosterWeek"];
    assert_eq!(w["weekStart"], "2030-03-04");
    assert_eq!(w["weekEnd"], "2030-03-10");
    assert_eq!(w["shifts"].as_array().unwrap().len(), 4);
    assert_eq!(
        w["conflicts"],
        json!([{ "kind": "APPROVED_LEAVE", "shift": { "id": pending_day["id"] },
                 "leaveRequest": { "id": leave["id"] }, "otherShift": null }])
    );

    // Updating into an overlap is refused; a harmless change passes.
    let upd = "mutation($id: ID!, $i: UpdateShiftInput!) { updateShift(id: $id, input: $i) { id startsAt role site { id } } }";
    let (code, _) = app
        .gql_err(
            &t.owner.token,
            upd,
            json!({ "id": pending_day["id"], "i": { "startsAt": "2030-03-05T12:00:00Z", "endsAt": "2030-03-05T14:00:00Z" } }),
        )
        .await;
    assert_eq!(code, "SHIFT_CONFLICT");
    let ok = app
        .gql_ok(
            &t.owner.token,
            upd,
            json!({ "id": first["id"], "i": { "role": "Supervisor", "siteId": null } }),
        )
        .await;
    assert_eq!(ok["updateShift"]["role"], "Supervisor");
    assert!(ok["updateShift"]["site"].is_null());
    // Shift input rules.
    let (code, body) = app
        .gql_err(
            &t.owner.token,
            CREATE_SHIFT,
            json!({ "i": { "userId": t.peer.gid, "startsAt": "2030-03-12T08:00:00Z", "endsAt": "2030-03-13T09:00:00Z" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "endsAt");
    let (code, _) = app
        .gql_err(
            &t.member.token,
            CREATE_SHIFT,
            json!({ "i": { "userId": t.peer.gid, "startsAt": "2030-03-12T08:00:00Z", "endsAt": "2030-03-12T09:00:00Z" } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
}

#[tokio::test]
async fn publishing_makes_drafts_visible_and_weeks_are_queried() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let a = shift(
        &app,
        &t.owner,
        &t.member,
        "2030-03-05T08:00:00Z",
        "2030-03-05T16:00:00Z",
    )
    .await;
    let b = shift(
        &app,
        &t.owner,
        &t.peer,
        "2030-03-06T08:00:00Z",
        "2030-03-06T16:00:00Z",
    )
    .await;
    let next_week = shift(
        &app,
        &t.owner,
        &t.member,
        "2030-03-12T08:00:00Z",
        "2030-03-12T16:00:00Z",
    )
    .await;
    let week = "query($d: NaiveDate!) { rosterWeek(date: $d) { shifts { id status } } }";
    let q = "query($id: ID!) { shift(id: $id) { id } shifts(from: \"2030-03-01\", to: \"2030-03-31\") { id } }";
    // Drafts: HR only.
    let member_view = app
        .gql_ok(&t.member.token, q, json!({ "id": a["id"] }))
        .await;
    assert!(member_view["shift"].is_null());
    assert_eq!(member_view["shifts"], json!([]));
    let hr_view = app
        .gql_ok(&t.owner.token, q, json!({ "id": a["id"] }))
        .await;
    assert_eq!(hr_view["shifts"].as_array().unwrap().len(), 3);

    let (code, _) = app
        .gql_err(
            &t.member.token,
            "mutation { publishShifts(from: \"2030-03-04\", to: \"2030-03-10\") { published } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let done = app
        .gql_ok(
            &t.owner.token,
            "mutation { publishShifts(from: \"2030-03-04\", to: \"2030-03-10\") { published shifts { id status } } }",
            json!({}),
        )
        .await;
    assert_eq!(done["publishShifts"]["published"], 2);
    let member_week = app
        .gql_ok(&t.member.token, week, json!({ "d": "2030-03-10" }))
        .await;
    assert_eq!(
        member_week["rosterWeek"]["shifts"],
        json!([{ "id": a["id"], "status": "PUBLISHED" }, { "id": b["id"], "status": "PUBLISHED" }])
    );
    let member_next = app
        .gql_ok(&t.member.token, week, json!({ "d": "2030-03-12" }))
        .await;
    assert_eq!(member_next["rosterWeek"]["shifts"], json!([]));
    let hr_next = app
        .gql_ok(&t.owner.token, week, json!({ "d": "2030-03-12" }))
        .await;
    assert_eq!(
        hr_next["rosterWeek"]["shifts"],
        json!([{ "id": next_week["id"], "status": "DRAFT" }])
    );
    // Filters and the listing limit.
    let mine = app
        .gql_ok(
            &t.owner.token,
            "query($u: ID) { shifts(from: \"2030-03-01\", to: \"2030-03-31\", userId: $u, status: PUBLISHED) { id } }",
            json!({ "u": t.member.gid }),
        )
        .await;
    assert_eq!(mine["shifts"], json!([{ "id": a["id"] }]));
    let (code, body) = app
        .gql_err(
            &t.owner.token,
            "{ shifts(from: \"2030-01-01\", to: \"2030-06-01\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "to");
    // Delete.
    let del = app
        .gql_ok(
            &t.owner.token,
            "mutation($id: ID!) { deleteShift(id: $id) }",
            json!({ "id": b["id"] }),
        )
        .await;
    assert_eq!(del["deleteShift"], b["id"]);
    assert_eq!(app.count("hr_shifts").await, 2);
}

// ---------------------------------------------------------------------------------
// Document vault

const UPLOAD: &str = "mutation($i: UploadHrDocumentInput!) { uploadHrDocument(input: $i) {
    id title category fileName mimeType size owner { id } uploadedBy { id } sharedWith { user { id } } } }";
const DOCUMENT: &str = "query($id: ID!) { hrDocument(id: $id) { id title } }";
const DOWNLOAD_URL: &str =
    "mutation($id: ID!) { hrDocumentDownloadUrl(id: $id) { url expiresAt } }";
const SHARE: &str = "mutation($id: ID!, $u: [ID!]!) { shareHrDocument(id: $id, userIds: $u) {
    sharedWith { user { id } expiresAt } } }";

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn upload(app: &TestApp, who: &Actor, owner: Option<&Actor>, content: &[u8]) -> Value {
    app.gql_ok(
        &who.token,
        UPLOAD,
        json!({ "i": { "ownerId": owner.map(|o| o.gid.as_str()), "title": "Contract",
                       "category": "contract", "fileName": "contract.pdf",
                       "mimeType": "application/pdf", "contentBase64": b64(content) } }),
    )
    .await["uploadHrDocument"]
        .clone()
}

/// The absolute download URL of a document, minted for `who`.
async fn download_url(app: &TestApp, who: &Actor, id: &Value) -> String {
    let url = app
        .gql_ok(&who.token, DOWNLOAD_URL, json!({ "id": id }))
        .await["hrDocumentDownloadUrl"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    if url.starts_with('/') {
        format!("{}{url}", app.base)
    } else {
        url
    }
}

async fn downloads_of(app: &TestApp, hr: &Actor) -> Vec<Value> {
    let events = app
        .gql_ok(
            &hr.token,
            "{ events(first: 100) { edges { node { type subjectId dialect ip actor { id } summary } } } }",
            json!({}),
        )
        .await;
    events["events"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["type"] == "hr_document_downloaded")
        .collect()
}

#[tokio::test]
async fn vault_documents_are_uploaded_and_downloaded_through_audited_signed_links() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let doc = upload(&app, &t.member, None, b"%PDF-1.7 contract").await;
    assert_eq!(doc["owner"]["id"], t.member.gid.as_str());
    assert_eq!(doc["uploadedBy"]["id"], t.member.gid.as_str());
    assert_eq!(doc["size"], 17);
    assert_eq!(doc["mimeType"], "application/pdf");
    let id = doc["id"].clone();

    // The owner downloads through a short-lived link, with no credential.
    let url = download_url(&app, &t.member, &id).await;
    assert!(url.contains("/files/signed/"), "{url}");
    let res = app.http().get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("contract.pdf")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF-1.7 contract");

    // HR sees every vault and downloads too; each download is in the audit trail.
    let hr_url = download_url(&app, &t.owner, &id).await;
    assert_eq!(app.http().get(&hr_url).send().await.unwrap().status(), 200);
    let audit = downloads_of(&app, &t.owner).await;
    assert_eq!(audit.len(), 2, "{audit:#?}");
    assert_eq!(audit[0]["actor"]["id"], t.member.gid.as_str());
    assert_eq!(audit[1]["actor"]["id"], t.owner.gid.as_str());
    assert_eq!(audit[0]["subjectId"], rid(id.as_str().unwrap()));
    assert_eq!(audit[0]["dialect"], "download");
    assert_eq!(audit[0]["ip"], "127.0.0.1");
    assert_eq!(audit[0]["summary"]["fileName"], "contract.pdf");

    // A tampered token is a 404 and is not audited.
    let (head, tag) = url.rsplit_once('.').unwrap();
    let flipped = if tag.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &tag[1..]);
    assert_eq!(
        app.http().get(&tampered).send().await.unwrap().status(),
        404
    );
    assert_eq!(downloads_of(&app, &t.owner).await.len(), 2);

    // Listing: the owner and HR see it.
    let q = "{ hrDocuments { edges { node { id } } } }";
    for who in [&t.member, &t.owner] {
        let list = app.gql_ok(&who.token, q, json!({})).await;
        assert_eq!(list["hrDocuments"]["edges"][0]["node"]["id"], id);
    }
}

#[tokio::test]
async fn vault_access_is_owner_hr_and_explicit_shares_only() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    // HR files a document into the member's vault.
    let doc = upload(&app, &t.owner, Some(&t.member), b"payslip").await;
    assert_eq!(doc["owner"]["id"], t.member.gid.as_str());
    assert_eq!(doc["uploadedBy"]["id"], t.owner.gid.as_str());
    let id = doc["id"].clone();

    // Neither a peer nor the member's own manager (not HR) may see or fetch it.
    for outsider in [&t.peer, &t.manager] {
        let seen = app
            .gql_ok(&outsider.token, DOCUMENT, json!({ "id": id }))
            .await;
        assert!(seen["hrDocument"].is_null());
        let (code, _) = app
            .gql_err(&outsider.token, DOWNLOAD_URL, json!({ "id": id }))
            .await;
        assert_eq!(code, "NOT_FOUND");
        let list = app
            .gql_ok(
                &outsider.token,
                "{ hrDocuments { edges { node { id } } } }",
                json!({}),
            )
            .await;
        assert_eq!(list["hrDocuments"]["edges"], json!([]));
        let (code, _) = app
            .gql_err(
                &outsider.token,
                "mutation($id: ID!) { deleteHrDocument(id: $id) }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(code, "NOT_FOUND");
    }
    // Only HR files into another member's vault.
    let (code, _) = app
        .gql_err(
            &t.peer.token,
            UPLOAD,
            json!({ "i": { "ownerId": t.member.gid, "fileName": "x.txt", "contentBase64": b64(b"x") } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    // A peer cannot share a document it cannot see.
    let (code, _) = app
        .gql_err(&t.peer.token, SHARE, json!({ "id": id, "u": [t.peer.gid] }))
        .await;
    assert_eq!(code, "NOT_FOUND");

    // The owner shares it with the peer, who may then read and download it …
    let shared = app
        .gql_ok(
            &t.member.token,
            SHARE,
            json!({ "id": id, "u": [t.peer.gid] }),
        )
        .await;
    assert_eq!(
        shared["shareHrDocument"]["sharedWith"][0]["user"]["id"],
        t.peer.gid.as_str()
    );
    let seen = app
        .gql_ok(&t.peer.token, DOCUMENT, json!({ "id": id }))
        .await;
    assert_eq!(seen["hrDocument"]["id"], id);
    let url = download_url(&app, &t.peer, &id).await;
    // … but not re-share or delete it.
    let (code, _) = app
        .gql_err(
            &t.peer.token,
            SHARE,
            json!({ "id": id, "u": [t.manager.gid] }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app
        .gql_err(
            &t.peer.token,
            "mutation($id: ID!) { deleteHrDocument(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");

    // Unsharing takes effect at once, even on a link minted before.
    app.gql_ok(
        &t.member.token,
        "mutation($id: ID!, $u: ID!) { unshareHrDocument(id: $id, userId: $u) { sharedWith { user { id } } } }",
        json!({ "id": id, "u": t.peer.gid }),
    )
    .await;
    assert_eq!(app.http().get(&url).send().await.unwrap().status(), 404);
    let seen = app
        .gql_ok(&t.peer.token, DOCUMENT, json!({ "id": id }))
        .await;
    assert!(seen["hrDocument"].is_null());
    assert!(downloads_of(&app, &t.owner).await.is_empty());

    // Another workspace sees nothing.
    let stranger = app.workspace("other").await;
    let seen = app
        .gql_ok(&stranger.token, DOCUMENT, json!({ "id": id }))
        .await;
    assert!(seen["hrDocument"].is_null());

    // HR deletes it: the bytes go too, and old links stop working.
    let url = download_url(&app, &t.owner, &id).await;
    let gone = app
        .gql_ok(
            &t.owner.token,
            "mutation($id: ID!) { deleteHrDocument(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(gone["deleteHrDocument"], id);
    assert_eq!(app.http().get(&url).send().await.unwrap().status(), 404);
    assert_eq!(app.count("hr_documents").await, 0);
}

#[tokio::test]
async fn vault_uploads_refuse_bad_content() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let cases = [
        (
            json!({ "fileName": "a.txt", "contentBase64": "not base64!" }),
            "BAD_USER_INPUT",
            "contentBase64",
        ),
        (
            json!({ "fileName": "a.txt", "contentBase64": "" }),
            "BAD_USER_INPUT",
            "contentBase64",
        ),
        (
            json!({ "fileName": " ", "contentBase64": b64(b"x") }),
            "BAD_USER_INPUT",
            "fileName",
        ),
        (
            json!({ "fileName": "a.txt", "mimeType": "nonsense", "contentBase64": b64(b"x") }),
            "BAD_USER_INPUT",
            "mimeType",
        ),
        (
            json!({ "fileName": "big.bin", "contentBase64": b64(&vec![0_u8; 600 * 1024]) }),
            "PAYLOAD_TOO_LARGE",
            "contentBase64",
        ),
    ];
    for (input, code, field) in cases {
        let body = app
            .gql(&t.member.token, UPLOAD, json!({ "i": input }))
            .await;
        let err = &body["errors"][0];
        assert_eq!(err["extensions"]["code"], code, "{body:#}");
        assert_eq!(err["extensions"]["field"], field, "{body:#}");
    }
    assert_eq!(app.count("hr_documents").await, 0);
}

// ---------------------------------------------------------------------------------
// Tenancy and scopes

#[tokio::test]
async fn another_workspace_sees_nothing_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let stranger = app.workspace("other").await;
    let site_id = site(&app, &t.owner, &[&t.member]).await;
    let annual = leave_type(&app, &t.owner, "Annual", 20.0).await;
    let req = request(&app, &t.member, &annual, "2030-03-04", "2030-03-04").await;
    let sh = shift(
        &app,
        &t.owner,
        &t.member,
        "2030-03-05T08:00:00Z",
        "2030-03-05T16:00:00Z",
    )
    .await;
    let entry = app
        .gql_ok(&t.member.token, CLOCK_IN, json!({ "lat": LAT, "lng": LNG }))
        .await["clockIn"]["id"]
        .clone();

    let reads = app
        .gql_ok(
            &stranger.token,
            "query($s: ID!, $r: ID!, $sh: ID!, $e: ID!) { site(id: $s) { id } leaveRequest(id: $r) { id }
               shift(id: $sh) { id } attendanceEntry(id: $e) { id } sites { id } leaveTypes { id }
               shifts(from: \"2030-03-01\", to: \"2030-03-31\") { id } }",
            json!({ "s": site_id, "r": req["id"], "sh": sh["id"], "e": entry }),
        )
        .await;
    assert_eq!(
        reads,
        json!({ "site": null, "leaveRequest": null, "shift": null, "attendanceEntry": null,
                "sites": [], "leaveTypes": [], "shifts": [] })
    );
    for (query, vars) in [
        (
            "mutation($id: ID!) { approveLeaveRequest(id: $id) { id } }",
            json!({ "id": req["id"] }),
        ),
        (
            "mutation($id: ID!) { cancelLeaveRequest(id: $id) { id } }",
            json!({ "id": req["id"] }),
        ),
        (
            "mutation($id: ID!) { updateSite(id: $id, input: { name: \"x\" }) { id } }",
            json!({ "id": site_id }),
        ),
        (
            "mutation($id: ID!) { deleteSite(id: $id) }",
            json!({ "id": site_id }),
        ),
        (
            "mutation($id: ID!) { updateShift(id: $id, input: { role: \"x\" }) { id } }",
            json!({ "id": sh["id"] }),
        ),
        (
            "mutation($id: ID!) { deleteShift(id: $id) }",
            json!({ "id": sh["id"] }),
        ),
        (
            "mutation($id: ID!) { closeAttendanceEntry(id: $id) { id } }",
            json!({ "id": entry }),
        ),
        (
            "mutation($id: ID!) { updateLeaveType(id: $id, name: \"x\") { id } }",
            json!({ "id": annual }),
        ),
    ] {
        let (code, _) = app.gql_err(&stranger.token, query, vars).await;
        assert_eq!(code, "NOT_FOUND", "{query}");
    }
    // Foreign references in input are unknown ids.
    let (code, body) = app
        .gql_err(
            &stranger.token,
            CREATE_SHIFT,
            json!({ "i": { "userId": t.member.gid, "startsAt": "2030-03-05T08:00:00Z", "endsAt": "2030-03-05T09:00:00Z" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "userId");
    let (code, body) = app
        .gql_err(
            &stranger.token,
            CREATE_REQUEST,
            json!({ "i": { "leaveTypeId": annual, "startDate": "2030-03-04", "endDate": "2030-03-04" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "leaveTypeId");
}

#[tokio::test]
async fn hr_operations_need_the_hr_scopes() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let read_only = app.scoped_token(&t.member, &["hr:read"]).await;
    let none = app.scoped_token(&t.member, &["messages:read"]).await;
    let (code, _) = app.gql_err(&none, "{ leaveTypes { id } }", json!({})).await;
    assert_eq!(code, "INSUFFICIENT_SCOPE");
    app.gql_ok(&read_only, "{ leaveTypes { id } sites { id } }", json!({}))
        .await;
    let (code, _) = app
        .gql_err(&read_only, CLOCK_IN, json!({ "lat": LAT, "lng": LNG }))
        .await;
    assert_eq!(code, "INSUFFICIENT_SCOPE");
}

// ---------------------------------------------------------------------------------
// Subscriptions

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
async fn attendance_changes_reach_the_member_their_manager_and_hr_only() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    site(&app, &t.owner, &[&t.member]).await;
    let q =
        "subscription { attendanceChanged { eventCursor change entry { id open user { id } } } }";
    let mut manager = app.ws(&t.manager.token, Protocol::TransportWs).await;
    let mut owner = app.ws(&t.owner.token, Protocol::LegacyWs).await;
    let mut peer = app.ws(&t.peer.token, Protocol::TransportWs).await;
    subscribe(&mut manager, "a", q, json!({})).await;
    subscribe(&mut owner, "a", q, json!({})).await;
    subscribe(&mut peer, "a", q, json!({})).await;

    app.gql_ok(&t.member.token, CLOCK_IN, json!({ "lat": LAT, "lng": LNG }))
        .await;
    for ws in [&mut manager, &mut owner] {
        let got = data_of(ws, "a").await;
        assert_eq!(got["attendanceChanged"]["change"], "CLOCKED_IN");
        assert_eq!(
            got["attendanceChanged"]["entry"]["user"]["id"],
            t.member.gid.as_str()
        );
        assert_eq!(got["attendanceChanged"]["entry"]["open"], true);
    }
    app.gql_ok(
        &t.member.token,
        CLOCK_OUT,
        json!({ "lat": LAT, "lng": LNG }),
    )
    .await;
    let got = data_of(&mut manager, "a").await;
    assert_eq!(got["attendanceChanged"]["change"], "CLOCKED_OUT");
    assert_eq!(got["attendanceChanged"]["entry"]["open"], false);
    peer.expect_silence(Duration::from_millis(300)).await;

    // Someone else's stream is refused outright to a peer.
    let mut peer2 = app.ws(&t.peer.token, Protocol::TransportWs).await;
    peer2
        .subscribe(
            "b",
            "subscription($u: ID) { attendanceChanged(userId: $u) { change } }",
            json!({ "u": t.member.gid }),
        )
        .await
        .unwrap();
    match peer2.next_event(WAIT).await.unwrap() {
        (_, Event::Next(payload)) => {
            assert_eq!(payload["errors"][0]["extensions"]["code"], "NOT_FOUND")
        }
        (_, Event::Error(payload)) => {
            assert_eq!(payload[0]["extensions"]["code"], "NOT_FOUND", "{payload}")
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn leave_request_changes_reach_the_requester_and_the_approver() {
    let app = TestApp::spawn().await;
    let t = team(&app).await;
    let annual = leave_type(&app, &t.owner, "Annual", 20.0).await;
    let q = "subscription($u: ID) { leaveRequestChanged(userId: $u) { eventCursor change request { id status } } }";
    let mut member = app.ws(&t.member.token, Protocol::TransportWs).await;
    let mut manager = app.ws(&t.manager.token, Protocol::TransportWs).await;
    let mut peer = app.ws(&t.peer.token, Protocol::TransportWs).await;
    subscribe(&mut member, "l", q, json!({})).await;
    subscribe(&mut manager, "l", q, json!({ "u": t.member.gid })).await;
    subscribe(&mut peer, "l", q, json!({})).await;

    let req = request(&app, &t.member, &annual, "2030-03-04", "2030-03-04").await;
    let first = data_of(&mut member, "l").await;
    assert_eq!(first["leaveRequestChanged"]["change"], "REQUESTED");
    assert_eq!(first["leaveRequestChanged"]["request"]["id"], req["id"]);
    assert_eq!(
        data_of(&mut manager, "l").await["leaveRequestChanged"]["change"],
        "REQUESTED"
    );
    app.gql_ok(&t.manager.token, APPROVE, json!({ "id": req["id"] }))
        .await;
    let approved = data_of(&mut member, "l").await;
    assert_eq!(approved["leaveRequestChanged"]["change"], "APPROVED");
    assert_eq!(
        approved["leaveRequestChanged"]["request"]["status"],
        "APPROVED"
    );
    assert_eq!(
        data_of(&mut manager, "l").await["leaveRequestChanged"]["change"],
        "APPROVED"
    );
    peer.expect_silence(Duration::from_millis(300)).await;

    // Resuming from the first event's cursor replays the approval.
    let mut again = app.ws(&t.member.token, Protocol::TransportWs).await;
    again
        .subscribe(
            "r",
            "subscription($a: String) { leaveRequestChanged(after: $a) { change } }",
            json!({ "a": first["leaveRequestChanged"]["eventCursor"] }),
        )
        .await
        .unwrap();
    assert_eq!(
        data_of(&mut again, "r").await["leaveRequestChanged"]["change"],
        "APPROVED"
    );
}
