//! The demo workspace that `switchboard serve` creates on an empty database, so a
//! newcomer has people, channels and messages to query at once.
//!
//! It goes through the same operations as every client, so the demo data obeys every rule.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::auth::{CreateApiTokenInput, CreatedApiToken, issue_api_token, principal_for_user};
use crate::chats::{CreateChatInput, create_chat, create_thread};
use crate::events::Bus;
use crate::messages::{SendMessageInput, add_reaction, send_message, set_pinned};
use crate::people::{
    CreateDepartmentInput, NewUser, Role, create_department, ensure_user, ensure_workspace,
    set_user_department,
};
use crate::{Ctx, Result};

/// Whether the database holds no workspace yet.
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool> {
    Ok(entities::workspaces::Entity::find().count(db).await? == 0)
}

/// Create the `demo` workspace and return an API token of its owner.
pub async fn seed_demo(db: &DatabaseConnection) -> Result<CreatedApiToken> {
    let bus = Bus::new();
    let ws = ensure_workspace(db, "demo", "Demo Workspace").await?;
    let person = |email: &str, first: &str, last: &str, title: &str, role: Role| NewUser {
        email: email.to_owned(),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        nickname: String::new(),
        role: Some(role),
        is_bot: false,
        title: title.to_owned(),
    };
    let ada = ensure_user(
        db,
        ws.id,
        person("ada@demo.test", "Ada", "Lovelace", "Founder", Role::Owner),
    )
    .await?;
    let grace = ensure_user(
        db,
        ws.id,
        person(
            "grace@demo.test",
            "Grace",
            "Hopper",
            "Engineering lead",
            Role::Admin,
        ),
    )
    .await?;
    let linus = ensure_user(
        db,
        ws.id,
        person(
            "linus@demo.test",
            "Linus",
            "Torvalds",
            "Engineer",
            Role::Member,
        ),
    )
    .await?;
    let margaret = ensure_user(
        db,
        ws.id,
        person(
            "margaret@demo.test",
            "Margaret",
            "Hamilton",
            "Designer",
            Role::Member,
        ),
    )
    .await?;
    let mut deploy_bot = person("deploy-bot@demo.test", "Deploy", "Bot", "", Role::Member);
    deploy_bot.is_bot = true;
    deploy_bot.nickname = "deploy-bot".to_owned();
    ensure_user(db, ws.id, deploy_bot).await?;

    let as_user = |user: &entities::users::Model| -> Result<Ctx> {
        Ok(Ctx::new(
            db.clone(),
            bus.clone(),
            principal_for_user(user.clone())?,
        ))
    };
    let ada_ctx = as_user(&ada)?;
    let grace_ctx = as_user(&grace)?;
    let linus_ctx = as_user(&linus)?;

    let engineering = create_department(
        &ada_ctx,
        CreateDepartmentInput {
            name: "Engineering".into(),
            parent_id: None,
            manager_id: Some(grace.id),
            description: None,
        },
    )
    .await?;
    create_department(
        &ada_ctx,
        CreateDepartmentInput {
            name: "Design".into(),
            parent_id: None,
            manager_id: Some(margaret.id),
            description: None,
        },
    )
    .await?;
    for user in [&grace, &linus] {
        set_user_department(&ada_ctx, user.id, Some(engineering.id), None).await?;
    }

    let all = vec![grace.id, linus.id, margaret.id];
    let general = create_chat(
        &ada_ctx,
        CreateChatInput {
            name: "general".into(),
            is_public: true,
            member_ids: all.clone(),
            description: "Company-wide chatter".into(),
            ..Default::default()
        },
    )
    .await?;
    let news = create_chat(
        &ada_ctx,
        CreateChatInput {
            name: "announcements".into(),
            is_channel: true,
            is_public: true,
            member_ids: all,
            description: "News from the founders".into(),
            ..Default::default()
        },
    )
    .await?;
    let say = |ctx: &Ctx, chat_id: i64, text: &str| {
        let ctx = ctx.clone();
        let input = SendMessageInput {
            chat_id,
            content: text.to_owned(),
            ..Default::default()
        };
        async move { send_message(&ctx, input).await }
    };
    let welcome = say(
        &ada_ctx,
        news.id,
        "Welcome to Switchboard! Everything here is live over GraphQL subscriptions.",
    )
    .await?;
    set_pinned(&ada_ctx, welcome.id, true).await?;
    say(&ada_ctx, general.id, "Good morning, everyone.").await?;
    let deploy = say(
        &grace_ctx,
        general.id,
        "The release candidate is deployed to staging.",
    )
    .await?;
    add_reaction(&linus_ctx, deploy.id, "🚀").await?;
    add_reaction(&ada_ctx, deploy.id, "🎉").await?;
    let thread = create_thread(&linus_ctx, deploy.id).await?;
    say(&linus_ctx, thread.id, "Smoke tests are green on my side.").await?;
    say(
        &linus_ctx,
        general.id,
        "Who is up for a code review after lunch?",
    )
    .await?;

    issue_api_token(
        db,
        &ada,
        CreateApiTokenInput {
            name: "demo admin token".into(),
            scopes: None,
            expires_at: None,
            rate_limits: Vec::new(),
        },
    )
    .await
}
