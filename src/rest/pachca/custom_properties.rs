//! Custom property definitions: `GET /custom_properties?entity_type=User|Task`.

use std::str::FromStr;

use axum::Router;
use axum::routing::get;
use resolvers::custom_properties::EntityType;

use super::error::{Failure, Reply};
use super::extract::{Caller, RailsQuery, ok_data};
use super::wire::CustomPropertyDefinition;
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer (scope `custom_properties:read`).
/// Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new().route("/custom_properties", get(list))
}

/// `GET /custom_properties?entity_type=User|Task` (required, capitalised) → 200
/// `{data: [CustomPropertyDefinition]}` (no meta), oldest first.
async fn list(caller: Caller, q: RailsQuery) -> Reply {
    let text = q
        .str("entity_type")
        .ok_or_else(|| Failure::bad_request("entity_type", "is required"))?;
    let entity_type = EntityType::from_str(text).map_err(|_| {
        Failure::bad_request("entity_type", "must be User or Task").with_value(text)
    })?;
    let defs =
        resolvers::custom_properties::list_custom_properties(&caller.ctx, entity_type).await?;
    Ok(ok_data(
        defs.into_iter()
            .map(|d| CustomPropertyDefinition {
                id: d.id,
                name: d.name,
                data_type: super::convert::data_type_name(&d.data_type),
            })
            .collect::<Vec<_>>(),
    ))
}
