//! `GET /members`, `POST /members`.

use serde_json::json;

use super::{V1, setup};
use crate::util::{TestApp, rid};

#[tokio::test]
async fn v1_members_page_with_totals_and_filter_by_department() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let (_, theirs) = setup(&app, "globex").await;
    let v1 = V1::new(&app, &token);
    let dept = v1
        .post("/departments", json!({"name": "Engineering"}))
        .await;
    let dept_id = dept.body["department"]["id"].as_str().unwrap().to_owned();
    for i in 0..4 {
        v1.post("/members", json!({"email": format!("p{i}@acme.test"), "departmentId": if i < 2 { Some(&dept_id) } else { None }}))
            .await
            .expect(201);
    }
    // 5 people (the owner and four), the token's bot excluded.
    let res = v1.get("/members?page=2&limit=2").await;
    let body = res.expect(200);
    res.expect_rate_headers();
    assert_eq!(
        body["pagination"],
        json!({"page": 2, "limit": 2, "total": 5, "totalPages": 3})
    );
    assert_eq!(body["members"].as_array().unwrap().len(), 2);
    let all = v1.get("/members").await;
    let members = all.body["members"].as_array().unwrap();
    assert_eq!(all.body["pagination"]["limit"], 50);
    let first = &members[0];
    assert_eq!(first["id"], format!("member_{}", owner.id));
    assert_eq!(first["userId"], format!("user_{}", owner.id));
    assert_eq!(first["role"], "owner");
    assert!(first["joinedAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(first["user"]["email"], "owner@acme.test");
    assert!(["online", "offline", "away"].contains(&first["user"]["status"].as_str().unwrap()));
    assert_eq!(first["department"], json!(null));
    let res = v1.get(&format!("/members?departmentId={dept_id}")).await;
    let filtered = res.expect(200)["members"].as_array().unwrap();
    assert_eq!(filtered.len(), 2);
    assert_eq!(
        filtered[0]["department"],
        json!({"id": dept_id, "name": "Engineering"})
    );
    assert_eq!(res.body["pagination"]["total"], 2);
    // Bad pages, unknown and foreign departments.
    let res = v1.get("/members?limit=101&page=0").await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["page", "limit"]);
    v1.get("/members?departmentId=dept_999999")
        .await
        .expect_error(404, "DEPARTMENT_NOT_FOUND");
    let foreign = V1::new(&app, &theirs)
        .post("/departments", json!({"name": "T"}))
        .await;
    let fid = foreign.body["department"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    v1.get(&format!("/members?departmentId={fid}"))
        .await
        .expect_error(404, "DEPARTMENT_NOT_FOUND");
}

#[tokio::test]
async fn v1_add_member_answers_201_and_409_already_member() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let v1 = V1::new(&app, &token);
    let tag = app
        .gql_ok(
            &owner.token,
            "mutation { createGroupTag(name: \"Backend\") { id } }",
            json!({}),
        )
        .await;
    let team = format!(
        "team_{}",
        rid(tag["createGroupTag"]["id"].as_str().unwrap())
    );
    let res = v1
        .post("/members", json!({"email": "NewUser@Example.com", "role": "admin", "title": "Software Developer", "teamIds": [team]}))
        .await;
    let m = &res.expect(201)["member"];
    res.expect_rate_headers();
    assert_eq!(res.body["success"], true);
    assert!(m["id"].as_str().unwrap().starts_with("member_"));
    assert_eq!(m["role"], "admin");
    assert_eq!(m["title"], "Software Developer");
    assert_eq!(m["departmentId"], json!(null));
    assert_eq!(m["user"]["email"], "newuser@example.com");
    assert!(m["user"].get("status").is_none());
    let again = v1
        .post("/members", json!({"email": "newuser@example.com"}))
        .await;
    again.expect_error(409, "ALREADY_MEMBER");
    let res = v1
        .post(
            "/members",
            json!({"email": "x@example.com", "role": "owner"}),
        )
        .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["role"]);
    let res = v1
        .post("/members", json!({"role": "boss", "teamIds": ["t1"]}))
        .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["email", "role", "teamIds[0]"]);
    let res = v1
        .post(
            "/members",
            json!({"email": "y@example.com", "teamIds": ["team_999999"]}),
        )
        .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["teamIds"]);
    v1.post(
        "/members",
        json!({"email": "z@example.com", "departmentId": "dept_999999"}),
    )
    .await
    .expect_error(404, "DEPARTMENT_NOT_FOUND");
}
