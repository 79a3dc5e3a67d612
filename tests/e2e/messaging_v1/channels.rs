//! `GET /channels`, `POST /channels`.

use serde_json::json;

use super::{V1, setup};
use crate::util::{TestApp, rid};

#[tokio::test]
async fn v1_channels_list_every_channel_with_counts_and_departments() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let v1 = V1::new(&app, &token);
    let dept = v1
        .post("/departments", json!({"name": "Engineering"}))
        .await;
    let dept_id = dept.expect(201)["department"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let general = app.create_chat(&owner, "general", true, &[]).await;
    app.send(&owner, &general, "one").await;
    app.send(&owner, &general, "two").await;
    app.create_chat(&owner, "secret", false, &[]).await;
    let created = v1
        .post("/channels", json!({"name": "engineering", "description": "Engineering team channel", "type": "private", "departmentId": dept_id}))
        .await;
    let ch = &created.expect(201)["channel"];
    assert_eq!(created.body["success"], true);
    assert!(ch["id"].as_str().unwrap().starts_with("channel_"));
    assert_eq!(ch["name"], "engineering");
    assert_eq!(ch["description"], "Engineering team channel");
    assert_eq!(ch["type"], "private");
    assert!(
        ch["workspaceId"]
            .as_str()
            .unwrap()
            .starts_with("workspace_")
    );
    assert_eq!(ch["departmentId"], dept_id.as_str());
    assert_eq!(
        ch["department"],
        json!({"id": dept_id, "name": "Engineering"})
    );
    assert!(ch.get("_count").is_none());
    let res = v1.get("/channels").await;
    let body = res.expect(200);
    res.expect_rate_headers();
    assert!(body.get("success").is_none());
    let channels = body["channels"].as_array().unwrap();
    let names: Vec<&str> = channels
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["general", "secret", "engineering"]);
    let g = &channels[0];
    assert_eq!(g["id"], format!("channel_{}", rid(&general)));
    assert_eq!(g["type"], "public");
    assert_eq!(g["department"], json!(null));
    assert_eq!(g["departmentId"], json!(null));
    assert_eq!(g["_count"], json!({"messages": 2, "members": 1}));
    assert_eq!(channels[1]["type"], "private");
    assert_eq!(channels[2]["_count"]["members"], 1);
    assert_eq!(channels[2]["department"]["name"], "Engineering");
}

#[tokio::test]
async fn v1_create_channel_validates_and_refuses_unknown_departments() {
    let app = TestApp::spawn().await;
    let (_, token) = setup(&app, "acme").await;
    let (_, theirs) = setup(&app, "globex").await;
    let v1 = V1::new(&app, &token);
    let res = v1
        .post(
            "/channels",
            json!({"name": "x".repeat(101), "description": "d".repeat(501), "type": "secret"}),
        )
        .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["name", "description", "type"]);
    v1.post("/channels", json!({}))
        .await
        .expect_error(400, "INVALID_REQUEST_BODY");
    v1.post(
        "/channels",
        json!({"name": "a", "departmentId": "dept_999999"}),
    )
    .await
    .expect_error(404, "DEPARTMENT_NOT_FOUND");
    v1.post(
        "/channels",
        json!({"name": "a", "departmentId": "nonsense"}),
    )
    .await
    .expect_error(404, "DEPARTMENT_NOT_FOUND");
    // Another workspace's department answers the same.
    let foreign = V1::new(&app, &theirs)
        .post("/departments", json!({"name": "Theirs"}))
        .await;
    let foreign_id = foreign.body["department"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = v1
        .post(
            "/channels",
            json!({"name": "a", "departmentId": foreign_id}),
        )
        .await;
    res.expect_error(404, "DEPARTMENT_NOT_FOUND");
    assert!(
        v1.get("/channels").await.body["channels"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
