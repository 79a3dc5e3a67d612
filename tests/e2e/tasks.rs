//! Tasks and custom properties over real HTTP and WebSocket: every operation, the
//! dependency rules (a cycle is refused naming its path, a blocked task cannot be
//! completed), the ready list, custom property validation, who sees and changes a task,
//! tenancy (a foreign id answers exactly like a missing one), the `taskChanged`
//! subscription, and the statement count of a tasks page.

use std::time::Duration;

use resolvers::people::Role;
use serde_json::{Value, json};

use crate::util::ws::Event;
use crate::util::{Actor, Protocol, TestApp, WsClient, gid, rid};
use schema::ids::Kind;

/// A row id that exists in no workspace.
const MISSING: i64 = 999_999;

const TASK: &str = "id databaseId kind title content dueAt allDay priority status inProgress \
    doneAt creator { id } performers { id } chatId messageId isBlocked blockers { id } \
    blocking { id } customProperties { property { id name dataType } value }";

fn missing_task() -> String {
    gid(Kind::Task, MISSING)
}

/// A workspace `acme`: its owner and two members.
async fn team(app: &TestApp) -> (Actor, Actor, Actor) {
    let owner = app.workspace("acme").await;
    let alice = app.user("acme", "alice@acme.test", Role::Member).await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    (owner, alice, bob)
}

async fn create(app: &TestApp, actor: &Actor, input: Value) -> Value {
    let q =
        format!("mutation($input: CreateTaskInput!) {{ createTask(input: $input) {{ {TASK} }} }}");
    app.gql_ok(&actor.token, &q, json!({ "input": input }))
        .await["createTask"]
        .clone()
}

async fn create_err(app: &TestApp, actor: &Actor, input: Value) -> (String, Value) {
    app.gql_err(
        &actor.token,
        "mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }",
        json!({ "input": input }),
    )
    .await
}

async fn get(app: &TestApp, actor: &Actor, id: &str) -> Value {
    let q = format!("query($id: ID!) {{ task(id: $id) {{ {TASK} }} }}");
    app.gql_ok(&actor.token, &q, json!({ "id": id })).await["task"].clone()
}

async fn update(app: &TestApp, actor: &Actor, id: &str, input: Value) -> Value {
    let q = format!(
        "mutation($id: ID!, $input: UpdateTaskInput!) {{ updateTask(id: $id, input: $input) {{ {TASK} }} }}"
    );
    app.gql_ok(&actor.token, &q, json!({ "id": id, "input": input }))
        .await["updateTask"]
        .clone()
}

async fn op(app: &TestApp, actor: &Actor, field: &str, id: &str) -> Value {
    let selection = if field == "deleteTask" { "id" } else { TASK };
    let q = format!("mutation($id: ID!) {{ {field}(id: $id) {{ {selection} }} }}");
    app.gql_ok(&actor.token, &q, json!({ "id": id })).await[field].clone()
}

async fn op_err(app: &TestApp, actor: &Actor, field: &str, id: &str) -> (String, Value) {
    let q = format!("mutation($id: ID!) {{ {field}(id: $id) {{ id }} }}");
    app.gql_err(&actor.token, &q, json!({ "id": id })).await
}

const ADD_DEP: &str = "mutation($t: ID!, $b: ID!) { addTaskDependency(taskId: $t, blockerId: $b) { id isBlocked blockers { id } } }";
const REMOVE_DEP: &str = "mutation($t: ID!, $b: ID!) { removeTaskDependency(taskId: $t, blockerId: $b) { id isBlocked blockers { id } } }";

async fn block(app: &TestApp, actor: &Actor, task: &str, blocker: &str) -> Value {
    app.gql_ok(&actor.token, ADD_DEP, json!({ "t": task, "b": blocker }))
        .await["addTaskDependency"]
        .clone()
}

async fn list(app: &TestApp, actor: &Actor, filter: Value) -> Vec<String> {
    let data = app
        .gql_ok(
            &actor.token,
            "query($f: TaskFilter) { tasks(filter: $f, first: 100) { edges { node { id } } } }",
            json!({ "f": filter }),
        )
        .await;
    data["tasks"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(task: &Value) -> String {
    task["id"].as_str().unwrap().to_owned()
}

fn message_of(body: &Value) -> String {
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn define(app: &TestApp, actor: &Actor, entity: &str, name: &str, data_type: &str) -> String {
    let data = app
        .gql_ok(
            &actor.token,
            "mutation($i: CreateCustomPropertyInput!) { createCustomProperty(input: $i) { id name entityType dataType } }",
            json!({ "i": { "entityType": entity, "name": name, "dataType": data_type } }),
        )
        .await;
    assert_eq!(data["createCustomProperty"]["name"], name);
    data["createCustomProperty"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

// ---------------------------------------------------------------------------------------
// Operations

#[tokio::test]
async fn create_task_defaults_and_reads_back_through_task_and_tasks() {
    let app = TestApp::spawn().await;
    let (_, alice, _) = team(&app).await;

    let task = create(&app, &alice, json!({})).await;

    assert_eq!(task["kind"], "REMINDER");
    assert_eq!(
        task["content"], "reminder",
        "an untitled task is named after its kind"
    );
    assert_eq!(task["priority"], 1);
    assert_eq!(task["status"], "UNDONE");
    assert_eq!(task["inProgress"], false);
    assert_eq!(task["allDay"], false);
    assert!(task["doneAt"].is_null());
    assert_eq!(task["creator"]["id"], json!(alice.gid));
    assert_eq!(task["performers"], json!([{ "id": alice.gid }]));
    let id = id_of(&task);
    assert_eq!(get(&app, &alice, &id).await, task);
    assert_eq!(list(&app, &alice, json!(null)).await, vec![id]);
}

#[tokio::test]
async fn create_task_takes_every_field() {
    let app = TestApp::spawn().await;
    let (_, alice, bob) = team(&app).await;
    let chat = app.create_chat(&alice, "ops", false, &[&bob]).await;

    let task = create(
        &app,
        &alice,
        json!({
            "kind": "CALL", "title": "Call the warehouse", "content": "Pick up 21 orders",
            "dueAt": "2030-06-05T09:00:00Z", "allDay": true, "priority": 3,
            "performerIds": [alice.gid, bob.gid], "chatId": chat,
        }),
    )
    .await;

    assert_eq!(task["kind"], "CALL");
    assert_eq!(task["title"], "Call the warehouse");
    assert_eq!(task["content"], "Pick up 21 orders");
    assert_eq!(task["dueAt"], "2030-06-05T09:00:00+00:00");
    assert_eq!(task["allDay"], true);
    assert_eq!(task["priority"], 3);
    assert_eq!(task["chatId"], json!(chat));
    assert_eq!(
        task["performers"],
        json!([{ "id": alice.gid }, { "id": bob.gid }])
    );
}

#[tokio::test]
async fn create_task_rejects_bad_input_naming_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (owner, alice, _) = team(&app).await;
    let other = app.workspace("globex").await;
    let cases = [
        (json!({ "priority": 4 }), "priority"),
        (json!({ "priority": 0 }), "priority"),
        (json!({ "title": "x".repeat(501) }), "title"),
        (
            json!({ "performerIds": [gid(Kind::User, MISSING)] }),
            "performerIds",
        ),
        (json!({ "performerIds": [other.gid] }), "performerIds"),
        (json!({ "performerIds": ["garbage"] }), "performerIds"),
        (
            json!({ "status": "UNDONE", "doneAt": "2030-01-01T00:00:00Z" }),
            "doneAt",
        ),
        (
            json!({ "status": "DONE", "inProgress": true }),
            "inProgress",
        ),
    ];
    for (input, field) in cases {
        let (code, body) = create_err(&app, &alice, input.clone()).await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{input}: {body}"
        );
    }
    assert_eq!(app.count("tasks").await, 0);
    let _ = owner;
}

#[tokio::test]
async fn update_task_changes_fields_and_null_clears_the_clearable_ones() {
    let app = TestApp::spawn().await;
    let (_, alice, bob) = team(&app).await;
    let chat = app.create_chat(&alice, "ops", false, &[&bob]).await;
    let id = id_of(
        &create(
            &app,
            &alice,
            json!({ "title": "t", "dueAt": "2030-01-01T00:00:00Z", "chatId": chat }),
        )
        .await,
    );

    let task = update(
        &app,
        &alice,
        &id,
        json!({ "kind": "EMAIL", "content": "write to Bob", "priority": 2,
                "performerIds": [bob.gid], "inProgress": true, "allDay": true }),
    )
    .await;
    assert_eq!(task["kind"], "EMAIL");
    assert_eq!(task["content"], "write to Bob");
    assert_eq!(task["priority"], 2);
    assert_eq!(task["performers"], json!([{ "id": bob.gid }]));
    assert_eq!(task["inProgress"], true);
    assert_eq!(task["title"], "t", "absent fields stay");
    assert_eq!(task["chatId"], json!(chat));

    let task = update(
        &app,
        &alice,
        &id,
        json!({ "title": null, "dueAt": null, "chatId": null }),
    )
    .await;
    assert!(task["title"].is_null());
    assert!(task["dueAt"].is_null());
    assert!(task["chatId"].is_null());
    assert_eq!(task["content"], "write to Bob");

    let (code, body) = app
        .gql_err(
            &alice.token,
            "mutation($id: ID!) { updateTask(id: $id, input: { performerIds: [] }) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "performerIds");
}

#[tokio::test]
async fn complete_and_reopen_set_and_clear_done_at_and_record_events() {
    let app = TestApp::spawn().await;
    let (_, alice, _) = team(&app).await;
    let id = id_of(&create(&app, &alice, json!({ "inProgress": true })).await);

    let done = op(&app, &alice, "completeTask", &id).await;
    assert_eq!(done["status"], "DONE");
    assert_eq!(done["inProgress"], false);
    assert!(done["doneAt"].is_string());
    let again = op(&app, &alice, "completeTask", &id).await;
    assert_eq!(
        again["doneAt"], done["doneAt"],
        "completing a done task changes nothing"
    );

    let open = op(&app, &alice, "reopenTask", &id).await;
    assert_eq!(open["status"], "UNDONE");
    assert!(open["doneAt"].is_null());

    // Pachca's PUT: status and done_at together.
    let done = update(
        &app,
        &alice,
        &id,
        json!({ "status": "DONE", "doneAt": "2030-06-05T12:00:00Z" }),
    )
    .await;
    assert_eq!(done["doneAt"], "2030-06-05T12:00:00+00:00");
    let open = update(&app, &alice, &id, json!({ "status": "UNDONE" })).await;
    assert!(open["doneAt"].is_null());
    op(&app, &alice, "deleteTask", &id).await;

    let kinds: Vec<String> = resolvers::events::replay(&app.db, alice.workspace_id, 0, None, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind.type_name().to_owned())
        .filter(|k| k.starts_with("task_"))
        .collect();
    assert_eq!(
        kinds,
        [
            "task_created",
            "task_completed",
            "task_reopened",
            "task_completed",
            "task_reopened",
            "task_deleted"
        ]
    );
}

#[tokio::test]
async fn delete_task_removes_it_with_its_dependency_edges() {
    let app = TestApp::spawn().await;
    let (_, alice, _) = team(&app).await;
    let a = id_of(&create(&app, &alice, json!({ "title": "a" })).await);
    let b = id_of(&create(&app, &alice, json!({ "title": "b" })).await);
    assert_eq!(block(&app, &alice, &b, &a).await["isBlocked"], true);

    let data = app
        .gql_ok(
            &alice.token,
            "mutation($id: ID!) { deleteTask(id: $id) { id } }",
            json!({ "id": a }),
        )
        .await;

    assert_eq!(data["deleteTask"]["id"], json!(a));
    assert!(get(&app, &alice, &a).await.is_null());
    let b = get(&app, &alice, &b).await;
    assert_eq!(b["isBlocked"], false);
    assert_eq!(b["blockers"], json!([]));
    assert_eq!(app.count("task_dependencies").await, 0);
    let (code, _) = op_err(&app, &alice, "deleteTask", &a).await;
    assert_eq!(code, "NOT_FOUND");
}

// ---------------------------------------------------------------------------------------
// Dependencies

#[tokio::test]
async fn a_dependency_cycle_is_refused_naming_the_path() {
    let app = TestApp::spawn().await;
    let (_, alice, _) = team(&app).await;
    let a = create(&app, &alice, json!({ "title": "a" })).await;
    let b = create(&app, &alice, json!({ "title": "b" })).await;
    let c = create(&app, &alice, json!({ "title": "c" })).await;
    let (ia, ib, ic) = (id_of(&a), id_of(&b), id_of(&c));
    block(&app, &alice, &ib, &ia).await; // b is blocked by a
    block(&app, &alice, &ic, &ib).await; // c is blocked by b

    // a blocked by c would close a → c → b → a.
    let (code, body) = app
        .gql_err(&alice.token, ADD_DEP, json!({ "t": ia, "b": ic }))
        .await;

    assert_eq!(code, "DEPENDENCY_CYCLE", "{body}");
    let n = |t: &Value| t["databaseId"].as_i64().unwrap();
    let path = format!("{} → {} → {} → {}", n(&a), n(&c), n(&b), n(&a));
    assert!(message_of(&body).contains(&path), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["path"],
        json!([ia, ic, ib, ia])
    );
    assert_eq!(
        app.count("task_dependencies").await,
        2,
        "nothing was written"
    );

    // The direct two-cycle, and a task blocking itself.
    let (code, body) = app
        .gql_err(&alice.token, ADD_DEP, json!({ "t": ia, "b": ib }))
        .await;
    assert_eq!(code, "DEPENDENCY_CYCLE");
    assert!(message_of(&body).contains(&format!("{} → {} → {}", n(&a), n(&b), n(&a))));
    let (code, body) = app
        .gql_err(&alice.token, ADD_DEP, json!({ "t": ia, "b": ia }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "blockerId");
}

#[tokio::test]
async fn a_task_cannot_be_completed_while_a_blocker_is_undone() {
    let app = TestApp::spawn().await;
    let (_, alice, _) = team(&app).await;
    let blocker = create(&app, &alice, json!({ "title": "first" })).await;
    let blocked = id_of(&create(&app, &alice, json!({ "title": "then" })).await);
    let blocker_id = id_of(&blocker);
    block(&app, &alice, &blocked, &blocker_id).await;

    let (code, body) = op_err(&app, &alice, "completeTask", &blocked).await;
    assert_eq!(code, "TASK_BLOCKED", "{body}");
    assert!(
        message_of(&body).contains(&blocker["databaseId"].to_string()),
        "the error names the blocker: {body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["blockerIds"],
        json!([blocker_id])
    );
    let (code, _) = app
        .gql_err(
            &alice.token,
            "mutation($id: ID!) { updateTask(id: $id, input: { status: DONE, content: \"x\" }) { id } }",
            json!({ "id": blocked }),
        )
        .await;
    assert_eq!(code, "TASK_BLOCKED", "updateTask applies the same rule");
    let still = get(&app, &alice, &blocked).await;
    assert_eq!(still["status"], "UNDONE");
    assert_eq!(still["content"], "", "no partial write");

    op(&app, &alice, "completeTask", &blocker_id).await;
    assert_eq!(
        op(&app, &alice, "completeTask", &blocked).await["status"],
        "DONE"
    );
}

#[tokio::test]
async fn blockers_blocking_and_the_ready_list_follow_the_graph() {
    let app = TestApp::spawn().await;
    let (_, alice, _) = team(&app).await;
    let a = id_of(&create(&app, &alice, json!({ "title": "a" })).await);
    let b = id_of(&create(&app, &alice, json!({ "title": "b" })).await);
    let c = id_of(&create(&app, &alice, json!({ "title": "c" })).await);
    let d = id_of(&create(&app, &alice, json!({ "title": "d" })).await);
    block(&app, &alice, &b, &a).await;
    block(&app, &alice, &c, &a).await;
    block(&app, &alice, &c, &b).await;
    op(&app, &alice, "completeTask", &d).await;
    let again = block(&app, &alice, &b, &a).await;
    assert_eq!(
        again["blockers"],
        json!([{ "id": a }]),
        "an existing edge stays one"
    );

    let ta = get(&app, &alice, &a).await;
    assert_eq!(ta["blocking"], json!([{ "id": b }, { "id": c }]));
    assert_eq!(ta["isBlocked"], false);
    let tc = get(&app, &alice, &c).await;
    assert_eq!(tc["blockers"], json!([{ "id": a }, { "id": b }]));
    assert_eq!(tc["isBlocked"], true);

    assert_eq!(
        list(&app, &alice, json!({ "ready": true })).await,
        vec![a.clone()]
    );
    assert_eq!(
        list(&app, &alice, json!({ "ready": false })).await,
        vec![b.clone(), c.clone(), d.clone()]
    );

    op(&app, &alice, "completeTask", &a).await;
    assert_eq!(
        list(&app, &alice, json!({ "ready": true })).await,
        vec![b.clone()]
    );

    let removed = app
        .gql_ok(&alice.token, REMOVE_DEP, json!({ "t": c, "b": b }))
        .await;
    assert_eq!(removed["removeTaskDependency"]["isBlocked"], false);
    assert_eq!(
        list(&app, &alice, json!({ "ready": true })).await,
        vec![b.clone(), c.clone()]
    );
    // Removing an edge that is not there changes nothing.
    let again = app
        .gql_ok(&alice.token, REMOVE_DEP, json!({ "t": c, "b": b }))
        .await;
    assert_eq!(
        again["removeTaskDependency"]["blockers"],
        json!([{ "id": a }])
    );
}

#[tokio::test]
async fn tasks_filters_by_status_performer_creator_chat_priority_and_due_range() {
    let app = TestApp::spawn().await;
    let (owner, alice, bob) = team(&app).await;
    let chat = app.create_chat(&alice, "ops", false, &[&bob]).await;
    let t1 = id_of(
        &create(
            &app,
            &alice,
            json!({ "title": "1", "dueAt": "2030-01-10T00:00:00Z", "priority": 2 }),
        )
        .await,
    );
    let t2 = id_of(
        &create(
            &app,
            &alice,
            json!({ "title": "2", "dueAt": "2030-02-10T00:00:00Z", "performerIds": [bob.gid], "chatId": chat }),
        )
        .await,
    );
    let t3 = id_of(&create(&app, &bob, json!({ "title": "3" })).await);
    op(&app, &bob, "completeTask", &t3).await;

    assert_eq!(
        list(&app, &owner, json!({ "status": "DONE" })).await,
        vec![t3.clone()]
    );
    assert_eq!(
        list(&app, &owner, json!({ "status": "UNDONE" })).await,
        vec![t1.clone(), t2.clone()]
    );
    assert_eq!(
        list(&app, &owner, json!({ "performerId": bob.gid })).await,
        vec![t2.clone(), t3.clone()]
    );
    assert_eq!(
        list(&app, &owner, json!({ "creatorId": alice.gid })).await,
        vec![t1.clone(), t2.clone()]
    );
    assert_eq!(
        list(&app, &owner, json!({ "chatId": chat })).await,
        vec![t2.clone()]
    );
    assert_eq!(
        list(&app, &owner, json!({ "priority": 2 })).await,
        vec![t1.clone()]
    );
    assert_eq!(
        list(
            &app,
            &owner,
            json!({ "dueFrom": "2030-01-01T00:00:00Z", "dueTo": "2030-02-01T00:00:00Z" })
        )
        .await,
        vec![t1.clone()]
    );
    assert_eq!(
        list(&app, &owner, json!({ "dueFrom": "2030-01-11T00:00:00Z" })).await,
        vec![t2.clone()]
    );

    // Paging: one by one, no gaps or repeats.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .gql_ok(
                &owner.token,
                "query($a: String) { tasks(first: 1, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } }",
                json!({ "a": after }),
            )
            .await;
        let conn = &data["tasks"];
        seen.push(conn["edges"][0]["node"]["id"].as_str().unwrap().to_owned());
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, vec![t1, t2, t3]);
}

// ---------------------------------------------------------------------------------------
// Custom properties

#[tokio::test]
async fn custom_properties_are_defined_set_read_and_deleted_on_tasks_and_users() {
    let app = TestApp::spawn().await;
    let (owner, alice, _) = team(&app).await;
    let place = define(&app, &owner, "TASK", "Warehouse", "TEXT").await;
    let count = define(&app, &owner, "TASK", "Boxes", "NUMBER").await;
    let day = define(&app, &owner, "TASK", "Ship on", "DATE").await;
    let link = define(&app, &owner, "TASK", "Order", "LINK").await;
    let city = define(&app, &owner, "USER", "City", "TEXT").await;

    let listed = app
        .gql_ok(
            &alice.token,
            "{ t: customProperties(entityType: TASK) { id } u: customProperties(entityType: USER) { id name dataType entityType } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["t"],
        json!([{ "id": place }, { "id": count }, { "id": day }, { "id": link }])
    );
    assert_eq!(
        listed["u"],
        json!([{ "id": city, "name": "City", "dataType": "TEXT", "entityType": "USER" }])
    );

    let task = create(
        &app,
        &alice,
        json!({ "customProperties": [
            { "id": place, "value": " Blue warehouse " },
            { "id": count, "value": "21" },
            { "id": day, "value": "2030-06-05" },
            { "id": link, "value": "https://shop.example/orders/21" },
        ] }),
    )
    .await;
    let values: Vec<(&str, &str)> = task["customProperties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["property"]["name"].as_str().unwrap(),
                v["value"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        values,
        [
            ("Warehouse", "Blue warehouse"),
            ("Boxes", "21"),
            ("Ship on", "2030-06-05"),
            ("Order", "https://shop.example/orders/21")
        ]
    );

    // Update merges; an empty value clears one.
    let id = id_of(&task);
    let task = update(
        &app,
        &alice,
        &id,
        json!({ "customProperties": [{ "id": count, "value": "22.5" }, { "id": place, "value": "" }] }),
    )
    .await;
    let names: Vec<&str> = task["customProperties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["22.5", "2030-06-05", "https://shop.example/orders/21"]
    );

    // Users: set by an admin, read on User.
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($u: ID!, $v: [CustomPropertyInput!]!) { setUserCustomProperties(userId: $u, values: $v) { id customProperties { property { name } value } } }",
            json!({ "u": alice.gid, "v": [{ "id": city, "value": "Saint Petersburg" }] }),
        )
        .await;
    assert_eq!(
        data["setUserCustomProperties"]["customProperties"],
        json!([{ "property": { "name": "City" }, "value": "Saint Petersburg" }])
    );
    let me = app
        .gql_ok(
            &alice.token,
            "{ me { customProperties { value } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me["me"]["customProperties"],
        json!([{ "value": "Saint Petersburg" }])
    );

    // Deleting a definition hides its values.
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($id: ID!) { deleteCustomProperty(id: $id) { id deletedAt } }",
            json!({ "id": day }),
        )
        .await;
    assert!(data["deleteCustomProperty"]["deletedAt"].is_string());
    let task = get(&app, &alice, &id).await;
    assert_eq!(task["customProperties"].as_array().unwrap().len(), 2);
    let listed = app
        .gql_ok(
            &alice.token,
            "{ customProperties(entityType: TASK) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["customProperties"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn unknown_deleted_foreign_and_other_entity_custom_properties_are_refused_naming_the_id() {
    let app = TestApp::spawn().await;
    let (owner, alice, _) = team(&app).await;
    let other = app.workspace("globex").await;
    let gone = define(&app, &owner, "TASK", "Gone", "TEXT").await;
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { deleteCustomProperty(id: $id) { id } }",
        json!({ "id": gone }),
    )
    .await;
    let for_users = define(&app, &owner, "USER", "City", "TEXT").await;
    let foreign = define(&app, &other, "TASK", "Theirs", "TEXT").await;
    let unknown = gid(Kind::CustomProperty, MISSING);

    for id in [&gone, &for_users, &foreign, &unknown] {
        let (code, body) = create_err(
            &app,
            &alice,
            json!({ "customProperties": [{ "id": id, "value": "x" }] }),
        )
        .await;
        assert_eq!(code, "BAD_USER_INPUT", "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"],
            "customProperties[0].id"
        );
        assert!(
            message_of(&body).contains(&rid(id).to_string()),
            "the error names the id: {body}"
        );
    }
    // The foreign id answers exactly like a missing one (but for the number).
    let (_, foreign_body) = create_err(
        &app,
        &alice,
        json!({ "customProperties": [{ "id": foreign, "value": "x" }] }),
    )
    .await;
    let (_, missing_body) = create_err(
        &app,
        &alice,
        json!({ "customProperties": [{ "id": unknown, "value": "x" }] }),
    )
    .await;
    assert_eq!(
        message_of(&foreign_body).replace(&rid(&foreign).to_string(), "N"),
        message_of(&missing_body).replace(&MISSING.to_string(), "N")
    );
    // A user's properties refuse a task property.
    let task_prop = define(&app, &owner, "TASK", "Boxes", "NUMBER").await;
    let (code, body) = app
        .gql_err(
            &owner.token,
            "mutation($u: ID!, $v: [CustomPropertyInput!]!) { setUserCustomProperties(userId: $u, values: $v) { id } }",
            json!({ "u": alice.gid, "v": [{ "id": task_prop, "value": "1" }] }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{body}");
    assert_eq!(app.count("tasks").await, 0);
    assert_eq!(app.count("custom_property_values").await, 0);
}

#[tokio::test]
async fn custom_property_values_are_checked_by_their_type() {
    let app = TestApp::spawn().await;
    let (owner, alice, _) = team(&app).await;
    let number = define(&app, &owner, "TASK", "Boxes", "NUMBER").await;
    let date = define(&app, &owner, "TASK", "Ship on", "DATE").await;
    let link = define(&app, &owner, "TASK", "Order", "LINK").await;
    let cases = [
        (&number, "twenty-one"),
        (&date, "tomorrow"),
        (&date, "2030-02-30"),
        (&link, "ftp://files.example/x"),
        (&link, "javascript:alert(1)"),
        (&link, "shop.example/orders"),
    ];
    for (id, value) in cases {
        let (code, body) = create_err(
            &app,
            &alice,
            json!({ "customProperties": [{ "id": id, "value": value }] }),
        )
        .await;
        assert_eq!(code, "BAD_USER_INPUT", "{value}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "customProperties[0].value",
            "{value}: {body}"
        );
    }
    assert_eq!(app.count("tasks").await, 0);
}

#[tokio::test]
async fn only_admins_define_and_delete_custom_properties_and_set_them_on_users() {
    let app = TestApp::spawn().await;
    let (owner, alice, _) = team(&app).await;
    let (code, _) = app
        .gql_err(
            &alice.token,
            "mutation { createCustomProperty(input: { entityType: TASK, name: \"x\", dataType: TEXT }) { id } }",
            json!({}),
        )
        .await;
    assert!(
        code == "FORBIDDEN" || code == "INSUFFICIENT_SCOPE",
        "{code}"
    );
    let city = define(&app, &owner, "USER", "City", "TEXT").await;
    let (code, _) = app
        .gql_err(
            &alice.token,
            "mutation($id: ID!) { deleteCustomProperty(id: $id) { id } }",
            json!({ "id": city }),
        )
        .await;
    assert!(
        code == "FORBIDDEN" || code == "INSUFFICIENT_SCOPE",
        "{code}"
    );
    let (code, _) = app
        .gql_err(
            &alice.token,
            "mutation($u: ID!, $v: [CustomPropertyInput!]!) { setUserCustomProperties(userId: $u, values: $v) { id } }",
            json!({ "u": alice.gid, "v": [{ "id": city, "value": "Oslo" }] }),
        )
        .await;
    assert!(
        code == "FORBIDDEN" || code == "INSUFFICIENT_SCOPE",
        "{code}"
    );
    // A duplicate name and a bad name are refused.
    let (code, _) = app
        .gql_err(
            &owner.token,
            "mutation { createCustomProperty(input: { entityType: USER, name: \"city\", dataType: TEXT }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let (code, body) = app
        .gql_err(
            &owner.token,
            "mutation { createCustomProperty(input: { entityType: USER, name: \"  \", dataType: TEXT }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "name");
}

// ---------------------------------------------------------------------------------------
// Chats, messages, visibility

#[tokio::test]
async fn linking_a_chat_needs_membership_of_it() {
    let app = TestApp::spawn().await;
    let (owner, alice, bob) = team(&app).await;
    let public = app.create_chat(&owner, "lobby", true, &[]).await;
    let private = app.create_chat(&owner, "board", false, &[&bob]).await;
    let mine = app.create_chat(&owner, "ops", false, &[&alice]).await;

    let (code, body) = create_err(&app, &alice, json!({ "chatId": public })).await;
    assert_eq!(
        code, "FORBIDDEN",
        "a readable chat one is not a member of: {body}"
    );
    let (code, _) = create_err(&app, &alice, json!({ "chatId": private })).await;
    assert_eq!(code, "NOT_FOUND", "a chat one cannot see does not exist");
    let (code, _) = create_err(&app, &alice, json!({ "chatId": gid(Kind::Chat, MISSING) })).await;
    assert_eq!(code, "NOT_FOUND");
    let id = id_of(&create(&app, &alice, json!({ "chatId": mine })).await);
    let q = "mutation($id: ID!, $c: ID) { updateTask(id: $id, input: { chatId: $c }) { id } }";
    let (code, _) = app
        .gql_err(&alice.token, q, json!({ "id": id, "c": public }))
        .await;
    assert_eq!(code, "FORBIDDEN", "relinking needs membership too");
    assert_eq!(app.count("tasks").await, 1);
}

#[tokio::test]
async fn create_task_from_message_links_the_message_which_lists_its_tasks() {
    let app = TestApp::spawn().await;
    let (owner, alice, bob) = team(&app).await;
    let chat = app.create_chat(&owner, "ops", false, &[&alice, &bob]).await;
    let message = app
        .send(&owner, &chat, "Ship the 21 orders by Friday")
        .await;
    let q = format!(
        "mutation($m: ID!, $k: String, $i: TaskFromMessageInput) {{ createTaskFromMessage(messageId: $m, input: $i, idempotencyKey: $k) {{ {TASK} message {{ id }} chat {{ id }} }} }}"
    );

    let data = app
        .gql_ok(&alice.token, &q, json!({ "m": message, "k": "from-msg-1" }))
        .await;
    let task = &data["createTaskFromMessage"];
    assert_eq!(task["title"], "Ship the 21 orders by Friday");
    assert_eq!(task["messageId"], json!(message));
    assert_eq!(task["message"]["id"], json!(message));
    assert_eq!(task["chat"]["id"], json!(chat));
    let again = app
        .gql_ok(&alice.token, &q, json!({ "m": message, "k": "from-msg-1" }))
        .await;
    assert_eq!(
        again["createTaskFromMessage"]["id"], task["id"],
        "same key, one task"
    );
    let (code, _) = app
        .gql_err(
            &alice.token,
            &q,
            json!({ "m": message, "k": "from-msg-1", "i": { "priority": 3 } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "same key, other input");
    let second = app
        .gql_ok(
            &bob.token,
            &q,
            json!({ "m": message, "i": { "title": "Call the carrier", "kind": "CALL" } }),
        )
        .await;
    assert_eq!(second["createTaskFromMessage"]["title"], "Call the carrier");

    let listed = app
        .gql_ok(
            &owner.token,
            "query($chat: ID!) { messages(chatId: $chat, first: 10) { edges { node { id tasks { id title } } } } }",
            json!({ "chat": chat }),
        )
        .await;
    let tasks = &listed["messages"]["edges"][0]["node"]["tasks"];
    assert_eq!(tasks.as_array().unwrap().len(), 2, "{listed}");
    assert_eq!(tasks[0]["id"], task["id"]);

    // A message one cannot read is missing; so is a foreign or unknown one.
    let private = app.create_chat(&owner, "board", false, &[]).await;
    let hidden = app.send(&owner, &private, "secret").await;
    let (code, _) = app.gql_err(&alice.token, &q, json!({ "m": hidden })).await;
    assert_eq!(code, "NOT_FOUND");
    assert_eq!(app.count("tasks").await, 2);
}

#[tokio::test]
async fn a_task_is_seen_by_its_creator_performers_chat_readers_and_admins_and_changed_by_fewer() {
    let app = TestApp::spawn().await;
    let (owner, alice, bob) = team(&app).await;
    let carol = app.user("acme", "carol@acme.test", Role::Member).await;
    let dan = app.user("acme", "dan@acme.test", Role::Member).await;
    let chat = app.create_chat(&alice, "ops", false, &[&carol]).await;
    let private = id_of(&create(&app, &alice, json!({ "title": "mine" })).await);
    let shared = id_of(
        &create(
            &app,
            &alice,
            json!({ "title": "ours", "performerIds": [bob.gid], "chatId": chat }),
        )
        .await,
    );

    // Sight.
    assert!(get(&app, &bob, &private).await.is_null(), "not involved");
    assert!(
        get(&app, &dan, &shared).await.is_null(),
        "not a reader of the chat"
    );
    assert!(!get(&app, &bob, &shared).await.is_null(), "a performer");
    assert!(
        !get(&app, &carol, &shared).await.is_null(),
        "a reader of the chat"
    );
    assert!(!get(&app, &owner, &private).await.is_null(), "an admin");
    assert_eq!(list(&app, &bob, json!(null)).await, vec![shared.clone()]);
    assert_eq!(list(&app, &carol, json!(null)).await, vec![shared.clone()]);
    assert_eq!(list(&app, &dan, json!(null)).await, Vec::<String>::new());
    assert_eq!(list(&app, &owner, json!(null)).await.len(), 2);

    // Changes: the invisible is missing, the visible but not theirs is forbidden.
    for field in ["completeTask", "reopenTask", "deleteTask"] {
        let (code, _) = op_err(&app, &bob, field, &private).await;
        assert_eq!(code, "NOT_FOUND", "{field}");
    }
    let (code, _) = op_err(&app, &carol, "completeTask", &shared).await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app
        .gql_err(&carol.token, ADD_DEP, json!({ "t": shared, "b": private }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app
        .gql_err(&bob.token, ADD_DEP, json!({ "t": shared, "b": private }))
        .await;
    assert_eq!(code, "NOT_FOUND", "a blocker one cannot see is missing");
    assert_eq!(
        op(&app, &bob, "completeTask", &shared).await["status"],
        "DONE"
    );
    let (code, _) = op_err(&app, &bob, "deleteTask", &shared).await;
    assert_eq!(code, "FORBIDDEN", "performers do not delete");
    assert_eq!(
        op(&app, &owner, "reopenTask", &shared).await["status"],
        "UNDONE",
        "admins change any task"
    );
    // A performer sees the task but not the private chat it is linked to.
    let data = app
        .gql_ok(
            &bob.token,
            "query($id: ID!) { task(id: $id) { chatId chat { id } } }",
            json!({ "id": shared }),
        )
        .await;
    assert!(data["task"]["chat"].is_null());
    op(&app, &alice, "deleteTask", &shared).await;
}

#[tokio::test]
async fn a_foreign_workspace_s_ids_answer_exactly_like_missing_ones() {
    let app = TestApp::spawn().await;
    let (owner, alice, _) = team(&app).await;
    let intruder = app.workspace("globex").await;
    let chat = app.create_chat(&owner, "ops", false, &[&alice]).await;
    let message = app.send(&owner, &chat, "hello").await;
    let theirs = id_of(&create(&app, &alice, json!({ "title": "t", "chatId": chat })).await);
    let other = id_of(&create(&app, &alice, json!({ "title": "u" })).await);
    let own = id_of(&create(&app, &intruder, json!({ "title": "mine" })).await);
    let prop = define(&app, &owner, "USER", "City", "TEXT").await;
    let missing = missing_task();

    // Each probe: (query, variables with "<ID>" where the id under test goes).
    let probes: Vec<(&str, Value)> = vec![
        ("query($x: ID!) { task(id: $x) { id } }", json!({})),
        (
            "mutation($x: ID!) { updateTask(id: $x, input: { content: \"x\" }) { id } }",
            json!({}),
        ),
        (
            "mutation($x: ID!) { completeTask(id: $x) { id } }",
            json!({}),
        ),
        ("mutation($x: ID!) { reopenTask(id: $x) { id } }", json!({})),
        ("mutation($x: ID!) { deleteTask(id: $x) { id } }", json!({})),
        (
            "mutation($x: ID!, $y: ID!) { addTaskDependency(taskId: $x, blockerId: $y) { id } }",
            json!({ "y": own }),
        ),
        (
            "mutation($x: ID!, $y: ID!) { addTaskDependency(taskId: $y, blockerId: $x) { id } }",
            json!({ "y": own }),
        ),
        (
            "mutation($x: ID!, $y: ID!) { removeTaskDependency(taskId: $x, blockerId: $y) { id } }",
            json!({ "y": own }),
        ),
    ];
    for (query, extra) in &probes {
        let with = |id: &str| {
            let mut v = extra.clone();
            v["x"] = json!(id);
            v
        };
        let foreign = app.gql(&intruder.token, query, with(&theirs)).await;
        let absent = app.gql(&intruder.token, query, with(&missing)).await;
        assert_eq!(foreign, absent, "{query}");
        assert!(
            foreign["errors"].is_array() || foreign["data"]["task"].is_null(),
            "{query}: {foreign}"
        );
    }
    // Foreign ids inside inputs.
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "mutation($v: ID!) { createTask(input: { chatId: $v }) { id } }",
            json!({ "v": chat }),
            json!({ "v": gid(Kind::Chat, MISSING) }),
        ),
        (
            "mutation($v: ID!) { createTaskFromMessage(messageId: $v) { id } }",
            json!({ "v": message }),
            json!({ "v": gid(Kind::Message, MISSING) }),
        ),
        (
            "mutation($v: ID!) { deleteCustomProperty(id: $v) { id } }",
            json!({ "v": prop }),
            json!({ "v": gid(Kind::CustomProperty, MISSING) }),
        ),
        (
            "mutation($v: ID!) { setUserCustomProperties(userId: $v, values: []) { id } }",
            json!({ "v": alice.gid }),
            json!({ "v": gid(Kind::User, MISSING) }),
        ),
    ];
    for (query, foreign, absent) in cases {
        let a = app.gql(&intruder.token, query, foreign).await;
        let b = app.gql(&intruder.token, query, absent).await;
        assert_eq!(a, b, "{query}");
        assert_eq!(
            a["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{query}: {a}"
        );
    }
    let (_, a) = create_err(&app, &intruder, json!({ "performerIds": [alice.gid] })).await;
    let (_, b) = create_err(
        &app,
        &intruder,
        json!({ "performerIds": [gid(Kind::User, MISSING)] }),
    )
    .await;
    assert_eq!(
        message_of(&a).replace(&alice.id.to_string(), "N"),
        message_of(&b).replace(&MISSING.to_string(), "N")
    );
    // Nothing of the other workspace is listed, and nothing changed.
    assert_eq!(list(&app, &intruder, json!(null)).await, vec![own]);
    let t = get(&app, &alice, &theirs).await;
    assert_eq!(t["status"], "UNDONE");
    assert_eq!(t["blockers"], json!([]));
    assert!(!get(&app, &alice, &other).await.is_null());
    assert_eq!(app.count("task_dependencies").await, 0);
}

#[tokio::test]
async fn create_task_runs_once_per_idempotency_key() {
    let app = TestApp::spawn().await;
    let (_, alice, _) = team(&app).await;
    let q = "mutation($i: CreateTaskInput!, $k: String) { createTask(input: $i, idempotencyKey: $k) { id } }";
    let first = app
        .gql_ok(
            &alice.token,
            q,
            json!({ "i": { "title": "once" }, "k": "k-1" }),
        )
        .await;
    let again = app
        .gql_ok(
            &alice.token,
            q,
            json!({ "i": { "title": "once" }, "k": "k-1" }),
        )
        .await;
    assert_eq!(first, again);
    let (code, _) = app
        .gql_err(
            &alice.token,
            q,
            json!({ "i": { "title": "twice" }, "k": "k-1" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(app.count("tasks").await, 1);
}

#[tokio::test]
async fn task_operations_need_their_scopes() {
    let app = TestApp::spawn().await;
    let (_, alice, _) = team(&app).await;
    let id = id_of(&create(&app, &alice, json!({})).await);
    let read_only = app.scoped_token(&alice, &["tasks:read"]).await;
    let body = app
        .gql(
            &read_only,
            "mutation { createTask(input: {}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "INSUFFICIENT_SCOPE"
    );
    let body = app
        .gql(
            &read_only,
            "mutation($id: ID!) { completeTask(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "INSUFFICIENT_SCOPE"
    );
    let no_tasks = app.scoped_token(&alice, &["messages:read"]).await;
    let body = app
        .gql(
            &no_tasks,
            "{ tasks(first: 5) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "INSUFFICIENT_SCOPE"
    );
}

// ---------------------------------------------------------------------------------------
// Subscription

const TASK_CHANGED: &str = "subscription($after: String) { taskChanged(after: $after) { \
    eventCursor change taskId blockerId task { id status performers { id } } } }";

async fn subscribe(ws: &mut WsClient, id: &str, after: Option<&str>) {
    ws.subscribe(id, TASK_CHANGED, json!({ "after": after }))
        .await
        .unwrap();
    ws.expect_silence(Duration::from_millis(100)).await;
}

async fn next_change(ws: &mut WsClient) -> Value {
    match ws.next_event(Duration::from_secs(5)).await.unwrap() {
        (_, Event::Next(payload)) => {
            assert!(
                payload.get("errors").is_none_or(Value::is_null),
                "{payload}"
            );
            payload["data"]["taskChanged"].clone()
        }
        other => panic!("expected a taskChanged result, got {other:?}"),
    }
}

#[tokio::test]
async fn task_changed_reaches_those_who_see_the_task_over_websocket_and_resumes() {
    let app = TestApp::spawn().await;
    let (_, alice, bob) = team(&app).await;
    let mut alice_ws = app.ws(&alice.token, Protocol::TransportWs).await;
    let mut bob_ws = app.ws(&bob.token, Protocol::TransportWs).await;
    subscribe(&mut alice_ws, "a", None).await;
    subscribe(&mut bob_ws, "b", None).await;

    let a = id_of(&create(&app, &alice, json!({ "title": "a" })).await);
    let created = next_change(&mut alice_ws).await;
    assert_eq!(created["change"], "CREATED");
    assert_eq!(created["taskId"], json!(a));
    assert_eq!(created["task"]["performers"], json!([{ "id": alice.gid }]));
    bob_ws.expect_silence(Duration::from_millis(300)).await;

    // Bob becomes a performer: from then on he hears about it.
    let b = id_of(
        &create(
            &app,
            &alice,
            json!({ "title": "b", "performerIds": [bob.gid] }),
        )
        .await,
    );
    assert_eq!(next_change(&mut alice_ws).await["change"], "CREATED");
    let for_bob = next_change(&mut bob_ws).await;
    assert_eq!(for_bob["taskId"], json!(b));
    block(&app, &alice, &b, &a).await;
    let dep = next_change(&mut bob_ws).await;
    assert_eq!(dep["change"], "DEPENDENCY_ADDED");
    assert_eq!(dep["blockerId"], json!(a));
    let resume_from = dep["eventCursor"].as_str().unwrap().to_owned();
    op(&app, &alice, "completeTask", &a).await;
    op(&app, &bob, "completeTask", &b).await;
    update(&app, &bob, &b, json!({ "content": "edited" })).await;
    op(&app, &alice, "deleteTask", &b).await;
    let mut changes = Vec::new();
    for _ in 0..3 {
        changes.push(next_change(&mut bob_ws).await);
    }
    assert_eq!(
        changes
            .iter()
            .map(|c| c["change"].clone())
            .collect::<Vec<_>>(),
        [json!("COMPLETED"), json!("UPDATED"), json!("DELETED")]
    );
    assert!(changes[2]["task"].is_null());
    bob_ws.close().await;

    // Resuming after a cursor replays what was missed, in order, once.
    let mut again = app.ws(&bob.token, Protocol::TransportWs).await;
    again
        .subscribe("r", TASK_CHANGED, json!({ "after": resume_from }))
        .await
        .unwrap();
    let mut replayed = Vec::new();
    for _ in 0..3 {
        replayed.push(next_change(&mut again).await["change"].clone());
    }
    assert_eq!(
        replayed,
        [json!("COMPLETED"), json!("UPDATED"), json!("DELETED")]
    );
    again.expect_silence(Duration::from_millis(300)).await;
}

// ---------------------------------------------------------------------------------------
// Statements

const PAGE: &str = "query($first: Int!) { tasks(first: $first) { edges { node { \
    id title status priority isBlocked creator { id name } performers { id name } \
    blockers { id title } blocking { id } chat { id name } message { id content } \
    customProperties { property { name } value } } } pageInfo { hasNextPage } } }";

#[tokio::test]
async fn a_tasks_page_costs_the_same_statements_at_1_20_and_60() {
    let app = TestApp::spawn().await;
    let (owner, alice, bob) = team(&app).await;
    let chat = app.create_chat(&owner, "ops", false, &[&alice, &bob]).await;
    let prop = define(&app, &owner, "TASK", "Boxes", "NUMBER").await;
    let message = app.send(&owner, &chat, "do things").await;
    let mut previous: Option<String> = None;
    for i in 0..60 {
        let task = if i % 3 == 0 {
            app.gql_ok(
                &owner.token,
                "mutation($m: ID!, $i: TaskFromMessageInput) { createTaskFromMessage(messageId: $m, input: $i) { id } }",
                json!({ "m": message, "i": { "performerIds": [alice.gid, bob.gid],
                        "customProperties": [{ "id": prop, "value": i.to_string() }] } }),
            )
            .await["createTaskFromMessage"]
                .clone()
        } else {
            create(
                &app,
                &owner,
                json!({ "title": format!("t{i}"), "chatId": chat, "performerIds": [bob.gid],
                        "customProperties": [{ "id": prop, "value": i.to_string() }] }),
            )
            .await
        };
        let id = id_of(&task);
        if let Some(prev) = &previous {
            block(&app, &owner, &id, prev).await;
        }
        previous = Some(id);
    }
    let count = |first: i64| {
        let app = &app;
        let token = owner.token.clone();
        async move {
            let before = app.statement_count();
            let data = app.gql_ok(&token, PAGE, json!({ "first": first })).await;
            (app.statement_count() - before, data)
        }
    };
    count(1).await; // warm-up: token and activity bookkeeping

    let (one, _) = count(1).await;
    let (twenty, _) = count(20).await;
    let (sixty, data) = count(60).await;
    println!("statements per tasks page: first:1 = {one}, first:20 = {twenty}, first:60 = {sixty}");

    let edges = data["tasks"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 60);
    assert!(
        edges
            .iter()
            .skip(1)
            .all(|e| e["node"]["blockers"].as_array().unwrap().len() == 1)
    );
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["customProperties"].as_array().unwrap().len() == 1)
    );
    assert!(
        edges
            .iter()
            .any(|e| e["node"]["message"]["content"] == "do things")
    );
    assert!(edges.iter().all(|e| e["node"]["chat"]["name"] == "ops"));
    assert_eq!(one, twenty, "statements must not grow with the page size");
    assert_eq!(one, sixty, "statements must not grow with the page size");
}
