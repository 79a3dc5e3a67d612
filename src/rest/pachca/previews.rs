//! Link previews: `POST /messages/{id}/link_previews`.

use axum::Router;
use axum::routing::post;
use resolvers::integrations::previews::PreviewInput;

use super::error::Reply;
use super::extract::{Body, Caller, Id, no_content};
use super::wire::LinkPreviewsRequest;
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer (scope `link_previews:write`).
/// Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new().route("/messages/{id}/link_previews", post(unfurl))
}

/// `POST /messages/{id}/link_previews` `{link_previews: {<url>: {title*, description*,
/// image_url?}}}` → 204. Every URL must be a link of the message.
async fn unfurl(caller: Caller, Id(id): Id, Body(body): Body<LinkPreviewsRequest>) -> Reply {
    let previews = body
        .link_previews
        .into_iter()
        .map(|(url, p)| PreviewInput {
            url,
            title: p.title,
            description: p.description,
            image_url: p.image_url,
        })
        .collect();
    resolvers::integrations::previews::add_link_previews(&caller.ctx, id, previews).await?;
    Ok(no_content())
}
