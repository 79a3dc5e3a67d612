//! `GET /departments`, `POST /departments`.

use resolvers::people::Role;
use serde_json::json;

use super::{V1, setup};
use crate::util::TestApp;

#[tokio::test]
async fn v1_departments_nest_with_managers_and_counts() {
    let app = TestApp::spawn().await;
    let (_, token) = setup(&app, "acme").await;
    let jane = app.user("acme", "jane@acme.test", Role::Member).await;
    let v1 = V1::new(&app, &token);
    let eng = v1
        .post("/departments", json!({"name": "Engineering", "description": "Engineering department", "managerId": format!("user_{}", jane.id)}))
        .await;
    let d = &eng.expect(201)["department"];
    assert_eq!(eng.body["success"], true);
    let eng_id = d["id"].as_str().unwrap().to_owned();
    assert!(eng_id.starts_with("dept_"));
    assert_eq!(d["description"], "Engineering department");
    assert_eq!(d["managerId"], format!("user_{}", jane.id));
    assert_eq!(d["parentId"], json!(null));
    assert_eq!(d["manager"]["name"], "Jane Tester");
    assert_eq!(d["manager"]["email"], "jane@acme.test");
    assert!(d["manager"].get("avatar").is_some());
    assert!(d["workspaceId"].as_str().unwrap().starts_with("workspace_"));
    let web = v1
        .post("/departments", json!({"name": "Web", "parentId": eng_id}))
        .await;
    assert_eq!(web.expect(201)["department"]["parentId"], eng_id.as_str());
    assert_eq!(web.body["department"]["manager"], json!(null));
    v1.post(
        "/members",
        json!({"email": "dev@acme.test", "departmentId": eng_id}),
    )
    .await
    .expect(201);
    v1.post("/channels", json!({"name": "eng", "departmentId": eng_id}))
        .await
        .expect(201);
    let res = v1.get("/departments").await;
    let list = res.expect(200)["departments"].as_array().unwrap().clone();
    res.expect_rate_headers();
    let e = list.iter().find(|x| x["name"] == "Engineering").unwrap();
    assert_eq!(
        e["_count"],
        json!({"members": 1, "channels": 1, "children": 1})
    );
    assert_eq!(e["parent"], json!(null));
    assert_eq!(e["manager"]["id"], format!("user_{}", jane.id));
    let w = list.iter().find(|x| x["name"] == "Web").unwrap();
    assert_eq!(w["parent"], json!({"id": eng_id, "name": "Engineering"}));
    assert_eq!(
        w["_count"],
        json!({"members": 0, "channels": 0, "children": 0})
    );
}

#[tokio::test]
async fn v1_create_department_errors() {
    let app = TestApp::spawn().await;
    let (_, token) = setup(&app, "acme").await;
    let (_, theirs) = setup(&app, "globex").await;
    let stranger = app.user("globex", "x@globex.test", Role::Member).await;
    let v1 = V1::new(&app, &token);
    let res = v1
        .post("/departments", json!({"description": "x".repeat(501)}))
        .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["name", "description"]);
    v1.post(
        "/departments",
        json!({"name": "A", "managerId": "user_999999"}),
    )
    .await
    .expect_error(404, "MANAGER_NOT_FOUND");
    v1.post(
        "/departments",
        json!({"name": "A", "managerId": format!("user_{}", stranger.id)}),
    )
    .await
    .expect_error(404, "MANAGER_NOT_FOUND");
    let foreign = V1::new(&app, &theirs)
        .post("/departments", json!({"name": "Theirs"}))
        .await;
    v1.post(
        "/departments",
        json!({"name": "A", "parentId": foreign.body["department"]["id"]}),
    )
    .await
    .expect_error(404, "DEPARTMENT_NOT_FOUND");
    assert!(
        v1.get("/departments").await.body["departments"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
