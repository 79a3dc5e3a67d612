//! Tasks (with performers and "blocked by" dependencies) and custom properties: typed
//! definitions per workspace and entity type (`User`, `Task`), and their values.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Chats {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tasks {
    Table,
    Id,
    WorkspaceId,
    CreatorId,
    Kind,
    Title,
    Content,
    DueAt,
    AllDay,
    Priority,
    Status,
    InProgress,
    DoneAt,
    ChatId,
    SourceMessageId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TaskPerformers {
    Table,
    TaskId,
    UserId,
    WorkspaceId,
}

#[derive(DeriveIden, Clone, Copy)]
enum TaskDependencies {
    Table,
    TaskId,
    BlockerId,
    WorkspaceId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomProperties {
    Table,
    Id,
    WorkspaceId,
    EntityType,
    Name,
    DataType,
    CreatedAt,
    DeletedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomPropertyValues {
    Table,
    PropertyId,
    EntityId,
    WorkspaceId,
    Value,
    UpdatedAt,
}

fn pk<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn big_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

fn text_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}

fn flag<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}

fn at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn at_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn references<F: IntoIden, C: IntoIden, T: IntoIden, K: IntoIden>(
    from: F,
    col: C,
    to: T,
    key: K,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, key)
        .on_delete(on_delete)
        .to_owned()
}

fn index<T: IntoIden + Clone>(name: &str, table: T, cols: &[&str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};

        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .col(pk(Tasks::Id))
                    .col(big(Tasks::WorkspaceId))
                    .col(big(Tasks::CreatorId))
                    .col(text(Tasks::Kind))
                    .col(text_null(Tasks::Title))
                    .col(text(Tasks::Content))
                    .col(at_null(Tasks::DueAt))
                    .col(flag(Tasks::AllDay))
                    .col(
                        ColumnDef::new(Tasks::Priority)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(text(Tasks::Status))
                    .col(flag(Tasks::InProgress))
                    .col(at_null(Tasks::DoneAt))
                    .col(big_null(Tasks::ChatId))
                    .col(big_null(Tasks::SourceMessageId))
                    .col(at(Tasks::CreatedAt))
                    .col(at(Tasks::UpdatedAt))
                    .foreign_key(&mut references(
                        Tasks::Table,
                        Tasks::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut references(
                        Tasks::Table,
                        Tasks::CreatorId,
                        Users::Table,
                        Users::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut references(
                        Tasks::Table,
                        Tasks::ChatId,
                        Chats::Table,
                        Chats::Id,
                        SetNull,
                    ))
                    .foreign_key(&mut references(
                        Tasks::Table,
                        Tasks::SourceMessageId,
                        Messages::Table,
                        Messages::Id,
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // The list query: a workspace's tasks by id, and its chat and message filters.
        manager
            .create_index(index(
                "ix_tasks_workspace_id",
                Tasks::Table,
                &["workspace_id", "id"],
            ))
            .await?;
        manager
            .create_index(index("ix_tasks_chat", Tasks::Table, &["chat_id", "id"]))
            .await?;
        manager
            .create_index(index(
                "ix_tasks_source_message",
                Tasks::Table,
                &["source_message_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_tasks_workspace_creator",
                Tasks::Table,
                &["workspace_id", "creator_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TaskPerformers::Table)
                    .col(big(TaskPerformers::TaskId))
                    .col(big(TaskPerformers::UserId))
                    .col(big(TaskPerformers::WorkspaceId))
                    .primary_key(
                        Index::create()
                            .col(TaskPerformers::TaskId)
                            .col(TaskPerformers::UserId),
                    )
                    .foreign_key(&mut references(
                        TaskPerformers::Table,
                        TaskPerformers::TaskId,
                        Tasks::Table,
                        Tasks::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut references(
                        TaskPerformers::Table,
                        TaskPerformers::UserId,
                        Users::Table,
                        Users::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_task_performers_user",
                TaskPerformers::Table,
                &["user_id", "task_id"],
            ))
            .await?;

        // One row per "task_id is blocked by blocker_id"; the graph stays acyclic.
        manager
            .create_table(
                Table::create()
                    .table(TaskDependencies::Table)
                    .col(big(TaskDependencies::TaskId))
                    .col(big(TaskDependencies::BlockerId))
                    .col(big(TaskDependencies::WorkspaceId))
                    .col(at(TaskDependencies::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(TaskDependencies::TaskId)
                            .col(TaskDependencies::BlockerId),
                    )
                    .foreign_key(&mut references(
                        TaskDependencies::Table,
                        TaskDependencies::TaskId,
                        Tasks::Table,
                        Tasks::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut references(
                        TaskDependencies::Table,
                        TaskDependencies::BlockerId,
                        Tasks::Table,
                        Tasks::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_task_dependencies_blocker",
                TaskDependencies::Table,
                &["blocker_id", "task_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CustomProperties::Table)
                    .col(pk(CustomProperties::Id))
                    .col(big(CustomProperties::WorkspaceId))
                    .col(text(CustomProperties::EntityType))
                    .col(text(CustomProperties::Name))
                    .col(text(CustomProperties::DataType))
                    .col(at(CustomProperties::CreatedAt))
                    .col(at_null(CustomProperties::DeletedAt))
                    .foreign_key(&mut references(
                        CustomProperties::Table,
                        CustomProperties::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_custom_properties_workspace_entity",
                CustomProperties::Table,
                &["workspace_id", "entity_type", "id"],
            ))
            .await?;

        // `entity_id` is a task or a user id, as the property's entity type says.
        manager
            .create_table(
                Table::create()
                    .table(CustomPropertyValues::Table)
                    .col(big(CustomPropertyValues::PropertyId))
                    .col(big(CustomPropertyValues::EntityId))
                    .col(big(CustomPropertyValues::WorkspaceId))
                    .col(text(CustomPropertyValues::Value))
                    .col(at(CustomPropertyValues::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(CustomPropertyValues::PropertyId)
                            .col(CustomPropertyValues::EntityId),
                    )
                    .foreign_key(&mut references(
                        CustomPropertyValues::Table,
                        CustomPropertyValues::PropertyId,
                        CustomProperties::Table,
                        CustomProperties::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_custom_property_values_entity",
                CustomPropertyValues::Table,
                &["workspace_id", "entity_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CustomPropertyValues::Table.into_iden(),
            CustomProperties::Table.into_iden(),
            TaskDependencies::Table.into_iden(),
            TaskPerformers::Table.into_iden(),
            Tasks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
