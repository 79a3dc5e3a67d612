//! Custom properties: typed fields a workspace's admins define for users or for tasks,
//! and their values.
//!
//! A definition has an entity type (`User` or `Task`, Pachca's spelling), a name and a
//! data type (`text`, `number`, `date`, `link`; the Pachca façade renders `text` as
//! `string`). Deleting a definition is a soft delete: its values disappear from every
//! read, and setting it is refused like setting an id that never existed.
//!
//! Values are written through the owning entity's operations — a task's in
//! `create_task`/`update_task`, a user's in [`set_user_custom_properties`] (which the
//! Pachca façade's user create and update call) — and validated here, once:
//! a number must parse, a date must be a calendar date (`2025-01-31`, or an RFC 3339
//! time), a link an absolute http(s) URL. An empty value clears the property. An
//! unknown, deleted, foreign or other-entity-type id is `BAD_USER_INPUT` naming it.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::Utc;
use entities::{custom_properties, custom_property_values, users};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::auth::Scope;
use crate::events::{EventKind, record};
use crate::{Ctx, Error, Result};

/// Longest property name, in characters (Pachca's limit).
pub const MAX_NAME: usize = 32;
/// Longest value, in characters (Pachca's limit).
pub const MAX_VALUE: usize = 768;
/// Most definitions per workspace and entity type.
pub const MAX_DEFINITIONS: usize = 100;

/// What a custom property belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EntityType {
    /// A user of the workspace.
    User,
    /// A task.
    Task,
}

impl EntityType {
    /// The stored spelling (`User`, `Task`).
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::User => "User",
            EntityType::Task => "Task",
        }
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "User" => Ok(EntityType::User),
            "Task" => Ok(EntityType::Task),
            other => Err(Error::invalid(
                "entityType",
                format!("unknown entity type `{other}`"),
            )),
        }
    }
}

/// The type of a custom property's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataType {
    /// Any text.
    Text,
    /// A decimal number.
    Number,
    /// A calendar date.
    Date,
    /// An http(s) URL.
    Link,
}

impl DataType {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::Text => "text",
            DataType::Number => "number",
            DataType::Date => "date",
            DataType::Link => "link",
        }
    }

    /// Check `value` against the type; returns the value to store (trimmed).
    pub fn check(self, value: &str) -> std::result::Result<String, &'static str> {
        let value = value.trim();
        match self {
            DataType::Text => Ok(value.to_owned()),
            DataType::Number => match value.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(value.to_owned()),
                _ => Err("must be a number"),
            },
            DataType::Date => {
                let date = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok();
                let time = chrono::DateTime::parse_from_rfc3339(value).is_ok();
                if date || time {
                    Ok(value.to_owned())
                } else {
                    Err("must be a date (YYYY-MM-DD or an RFC 3339 time)")
                }
            }
            DataType::Link => match url::Url::parse(value) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                    Ok(value.to_owned())
                }
                _ => Err("must be an http(s) URL"),
            },
        }
    }
}

impl FromStr for DataType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "text" => Ok(DataType::Text),
            "number" => Ok(DataType::Number),
            "date" => Ok(DataType::Date),
            "link" => Ok(DataType::Link),
            other => Err(Error::invalid(
                "dataType",
                format!("unknown data type `{other}`"),
            )),
        }
    }
}

/// One value to set: the property's id and its value (empty clears it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyInput {
    /// The definition's id.
    pub id: i64,
    /// The value, as text; empty to clear.
    pub value: String,
}

/// A property set on an entity: its definition and value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyValue {
    /// The (live) definition.
    pub property: custom_properties::Model,
    /// The value.
    pub value: String,
}

/// Input of [`create_custom_property`].
#[derive(Clone, Debug)]
pub struct CreatePropertyInput {
    /// What it belongs to.
    pub entity_type: EntityType,
    /// 1 to 32 characters.
    pub name: String,
    /// Its values' type.
    pub data_type: DataType,
}

/// The live definitions of one entity type, oldest first.
pub async fn list_custom_properties(
    ctx: &Ctx,
    entity_type: EntityType,
) -> Result<Vec<custom_properties::Model>> {
    ctx.require(Scope::CustomPropertiesRead)?;
    live(&ctx.db, ctx.workspace_id(), entity_type).await
}

async fn live<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    entity_type: EntityType,
) -> Result<Vec<custom_properties::Model>> {
    Ok(custom_properties::Entity::find()
        .filter(custom_properties::Column::WorkspaceId.eq(workspace_id))
        .filter(custom_properties::Column::EntityType.eq(entity_type.as_str()))
        .filter(custom_properties::Column::DeletedAt.is_null())
        .order_by_asc(custom_properties::Column::Id)
        .all(db)
        .await?)
}

fn ensure_admin(ctx: &Ctx) -> Result<()> {
    ctx.require(Scope::CustomPropertiesWrite)?;
    if !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only workspace admins manage custom properties".into(),
        ));
    }
    Ok(())
}

/// Define a custom property (workspace owners and admins).
pub async fn create_custom_property(
    ctx: &Ctx,
    input: CreatePropertyInput,
) -> Result<custom_properties::Model> {
    ensure_admin(ctx)?;
    let name = input.name.trim().to_owned();
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME {
        return Err(Error::invalid(
            "name",
            format!("1 to {MAX_NAME} characters required"),
        ));
    }
    let txn = ctx.write().await?;
    let existing = live(&txn, ctx.workspace_id(), input.entity_type).await?;
    if existing.iter().any(|p| p.name.eq_ignore_ascii_case(&name)) {
        return Err(Error::conflict(
            "name",
            format!(
                "a {} property with this name already exists",
                input.entity_type
            ),
        ));
    }
    if existing.len() >= MAX_DEFINITIONS {
        return Err(Error::limit(
            "entityType",
            format!("at most {MAX_DEFINITIONS} properties per entity type"),
        ));
    }
    let row = custom_properties::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        entity_type: Set(input.entity_type.as_str().to_owned()),
        name: Set(name),
        data_type: Set(input.data_type.as_str().to_owned()),
        created_at: Set(Utc::now()),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = record(
        &txn,
        ctx,
        EventKind::CustomPropertyChanged {
            property_id: row.id,
            entity_type: row.entity_type.clone(),
            deleted: false,
        },
        None,
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(row)
}

/// Delete a custom property definition (workspace owners and admins). Its values are
/// hidden from then on; setting it is refused.
pub async fn delete_custom_property(
    ctx: &Ctx,
    property_id: i64,
) -> Result<custom_properties::Model> {
    ensure_admin(ctx)?;
    let txn = ctx.write().await?;
    let row = custom_properties::Entity::find_by_id(property_id)
        .filter(custom_properties::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(custom_properties::Column::DeletedAt.is_null())
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("custom property"))?;
    let mut am: custom_properties::ActiveModel = row.into();
    am.deleted_at = Set(Some(Utc::now()));
    let row = am.update(&txn).await?;
    let event = record(
        &txn,
        ctx,
        EventKind::CustomPropertyChanged {
            property_id: row.id,
            entity_type: row.entity_type.clone(),
            deleted: true,
        },
        None,
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(row)
}

/// Set custom property values on a user (workspace owners and admins, `users:update`):
/// what the Pachca façade's user create and update call. Values not named are kept.
pub async fn set_user_custom_properties(
    ctx: &Ctx,
    user_id: i64,
    values: Vec<PropertyInput>,
) -> Result<users::Model> {
    ctx.require(Scope::UsersUpdate)?;
    if !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only workspace admins change people's custom properties".into(),
        ));
    }
    let user = crate::people::users_by_ids(&ctx.db, ctx.workspace_id(), &[user_id])
        .await?
        .remove(&user_id)
        .ok_or(Error::NotFound("user"))?;
    let txn = ctx.write().await?;
    let checked = validate(&txn, ctx.workspace_id(), EntityType::User, &values).await?;
    apply(&txn, ctx.workspace_id(), user.id, checked).await?;
    let event = record(&txn, ctx, EventKind::UserUpdated { user_id: user.id }, None).await?;
    ctx.commit(txn, [event]).await?;
    Ok(user)
}

/// Values checked against their definitions, ready for [`apply`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Checked(Vec<(i64, Option<String>)>);

/// Check values for an entity of `entity_type`: every id must be a live definition of
/// that type in the workspace, every value must fit its data type. Field names follow
/// the input (`customProperties[i].id` / `.value`).
pub(crate) async fn validate<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    entity_type: EntityType,
    values: &[PropertyInput],
) -> Result<Checked> {
    if values.is_empty() {
        return Ok(Checked::default());
    }
    let defs: HashMap<i64, custom_properties::Model> = live(db, workspace_id, entity_type)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let mut out: Vec<(i64, Option<String>)> = Vec::with_capacity(values.len());
    for (i, input) in values.iter().enumerate() {
        let def = defs.get(&input.id).ok_or_else(|| {
            Error::invalid(
                format!("customProperties[{i}].id"),
                format!(
                    "no {entity_type} custom property with id {} (unknown or deleted)",
                    input.id
                ),
            )
        })?;
        let field = || format!("customProperties[{i}].value");
        if input.value.chars().count() > MAX_VALUE {
            return Err(Error::invalid(
                field(),
                format!("must be at most {MAX_VALUE} characters"),
            ));
        }
        let value = if input.value.trim().is_empty() {
            None
        } else {
            let data_type: DataType = def.data_type.parse()?;
            let stored = data_type.check(&input.value).map_err(|why| {
                Error::invalid(
                    field(),
                    format!("custom property {} ({}) {why}", def.id, data_type.as_str()),
                )
            })?;
            Some(stored)
        };
        out.retain(|(id, _)| *id != input.id);
        out.push((input.id, value));
    }
    Ok(Checked(out))
}

/// Write checked values on entity `entity_id`, inside the change's transaction.
pub(crate) async fn apply(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    entity_id: i64,
    checked: Checked,
) -> Result<()> {
    let now = Utc::now();
    for (property_id, value) in checked.0 {
        match value {
            Some(value) => {
                custom_property_values::Entity::insert(custom_property_values::ActiveModel {
                    property_id: Set(property_id),
                    entity_id: Set(entity_id),
                    workspace_id: Set(workspace_id),
                    value: Set(value),
                    updated_at: Set(now),
                })
                .on_conflict(
                    OnConflict::columns([
                        custom_property_values::Column::PropertyId,
                        custom_property_values::Column::EntityId,
                    ])
                    .update_columns([
                        custom_property_values::Column::Value,
                        custom_property_values::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
            }
            None => {
                custom_property_values::Entity::delete_many()
                    .filter(custom_property_values::Column::PropertyId.eq(property_id))
                    .filter(custom_property_values::Column::EntityId.eq(entity_id))
                    .exec(txn)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Remove every value of entity `entity_id` of `entity_type` (when the entity goes).
pub(crate) async fn clear(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    entity_type: EntityType,
    entity_id: i64,
) -> Result<()> {
    let defs = sea_orm::sea_query::Query::select()
        .column(custom_properties::Column::Id)
        .from(custom_properties::Entity)
        .and_where(custom_properties::Column::WorkspaceId.eq(workspace_id))
        .and_where(custom_properties::Column::EntityType.eq(entity_type.as_str()))
        .to_owned();
    custom_property_values::Entity::delete_many()
        .filter(custom_property_values::Column::WorkspaceId.eq(workspace_id))
        .filter(custom_property_values::Column::EntityId.eq(entity_id))
        .filter(custom_property_values::Column::PropertyId.in_subquery(defs))
        .exec(txn)
        .await?;
    Ok(())
}

/// The live properties set on each entity (a batch: two statements, whatever the number
/// of ids), in definition order. Entities without values are absent.
pub async fn values_of<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    entity_type: EntityType,
    entity_ids: &[i64],
) -> Result<HashMap<i64, Vec<PropertyValue>>> {
    let defs: HashMap<i64, custom_properties::Model> = live(db, workspace_id, entity_type)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let mut out: HashMap<i64, Vec<PropertyValue>> = HashMap::new();
    if defs.is_empty() {
        return Ok(out);
    }
    let rows = custom_property_values::Entity::find()
        .filter(custom_property_values::Column::WorkspaceId.eq(workspace_id))
        .filter(custom_property_values::Column::EntityId.is_in(crate::sql::distinct(entity_ids)))
        .filter(custom_property_values::Column::PropertyId.is_in(defs.keys().copied()))
        .order_by_asc(custom_property_values::Column::PropertyId)
        .all(db)
        .await?;
    for row in rows {
        if let Some(def) = defs.get(&row.property_id) {
            out.entry(row.entity_id).or_default().push(PropertyValue {
                property: def.clone(),
                value: row.value,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_type() {
        assert!(DataType::Number.check(" 42.5 ").is_ok());
        assert!(DataType::Number.check("forty").is_err());
        assert!(DataType::Number.check("NaN").is_err());
        assert!(DataType::Date.check("2025-02-28").is_ok());
        assert!(DataType::Date.check("2025-02-30").is_err());
        assert!(DataType::Date.check("2025-02-28T10:00:00Z").is_ok());
        assert!(DataType::Link.check("https://example.com/x").is_ok());
        assert!(DataType::Link.check("javascript:alert(1)").is_err());
        assert!(DataType::Link.check("example.com").is_err());
        assert_eq!(DataType::Text.check(" a ").ok().as_deref(), Some("a"));
    }
}
