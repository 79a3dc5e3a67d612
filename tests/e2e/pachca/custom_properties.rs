//! Custom property definitions: `GET /custom_properties?entity_type=User|Task`.

use resolvers::people::Role;
use serde_json::json;

use super::Pachca;
use super::tasks::define;
use crate::util::TestApp;

#[tokio::test]
async fn definitions_by_entity_type() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("other").await;
    let city = define(&app, &owner.token, "USER", "City").await;
    let shelf = define(&app, &owner.token, "TASK", "Shelf").await;
    let p = Pachca::new(&app, &owner.token);

    let users = p.get("/custom_properties?entity_type=User").await;
    let body = users.expect(200);
    assert!(body.get("meta").is_none(), "no meta: {body:#}");
    assert_eq!(
        body["data"],
        json!([{"id": city, "name": "City", "data_type": "string"}])
    );
    let tasks = Pachca::new(&app, &member.token)
        .get("/custom_properties?entity_type=Task")
        .await;
    assert_eq!(tasks.expect(200)["data"][0]["id"], shelf);
    assert_eq!(tasks.body["data"].as_array().map(Vec::len), Some(1));

    // Another workspace sees none of them.
    let foreign = Pachca::new(&app, &other.token)
        .get("/custom_properties?entity_type=User")
        .await;
    assert_eq!(foreign.expect(200)["data"], json!([]));

    p.get("/custom_properties")
        .await
        .expect_error(400, "invalid");
    p.get("/custom_properties?entity_type=user")
        .await
        .expect_error(400, "invalid");
    assert_eq!(
        Pachca::new(&app, "nope")
            .get("/custom_properties?entity_type=User")
            .await
            .status,
        401
    );
}
