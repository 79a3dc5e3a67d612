//! Reactions: `GET|POST|DELETE /messages/{id}/reactions`.

use axum::Router;
use axum::routing::get;
use resolvers::pagination::Key;

use super::error::{Failure, Reply};
use super::extract::{Body, Caller, Id, RailsQuery, created, no_content, ok};
use super::render;
use super::wire::{Reaction, ReactionRequest};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer. Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/messages/{id}/reactions",
        get(list).post(add).delete(remove),
    )
}

/// `GET /messages/{id}/reactions?limit=&cursor=` → list of Reaction, oldest first.
async fn list(caller: Caller, Id(id): Id, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let slice = resolvers::messages::list_reactions_window(&caller.ctx, id, window).await?;
    let data = slice.items.iter().cloned().map(render::reaction).collect();
    Ok(ok(render::list(&window, &slice, |r| Key::id(r.id), data)))
}

/// `POST /messages/{id}/reactions` `{code*, name?}` → 201 bare Reaction. Limits: 20
/// distinct per user (`user_limit`), 30 distinct per message (`unique_limit`), 1000 in
/// all (`general_limit`), each a 422.
async fn add(caller: Caller, Id(id): Id, Body(body): Body<ReactionRequest>) -> Reply {
    resolvers::messages::add_reaction(&caller.ctx, id, &body.code)
        .await
        .map_err(code_key)?;
    Ok(created(Reaction {
        user_id: caller.ctx.user_id(),
        created_at: super::convert::date(chrono::Utc::now()),
        code: body.code.trim().to_owned(),
        name: body.name.unwrap_or_default(),
    }))
}

/// `DELETE /messages/{id}/reactions?code=&name=` → 204.
async fn remove(caller: Caller, Id(id): Id, q: RailsQuery) -> Reply {
    let code = q
        .str("code")
        .ok_or_else(|| Failure::bad_request("code", "is required"))?;
    resolvers::messages::remove_reaction(&caller.ctx, id, code)
        .await
        .map_err(code_key)?;
    Ok(no_content())
}

/// The domain calls the emoji `emoji`; Pachca calls it `code`.
fn code_key(e: resolvers::Error) -> Failure {
    match e {
        resolvers::Error::Invalid { field, message } if field == "emoji" => {
            Failure::unprocessable("code", "wrong_emoji", message)
        }
        resolvers::Error::LimitExceeded { message, .. } => {
            Failure::from(resolvers::Error::limit("code", message))
        }
        other => Failure::from(other),
    }
}
