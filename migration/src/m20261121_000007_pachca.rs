//! What the Pachca-compatible façade needs beyond the core: group tags linked to chats
//! (their members follow the tag), and removed users (kept as rows so their messages
//! keep an author, but gone from every listing and lookup).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Chats {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum GroupTags {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    DeletedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChatGroupTags {
    Table,
    ChatId,
    TagId,
    WorkspaceId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChatGroupTags::Table)
                    .col(
                        ColumnDef::new(ChatGroupTags::ChatId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ChatGroupTags::TagId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ChatGroupTags::WorkspaceId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ChatGroupTags::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ChatGroupTags::ChatId)
                            .col(ChatGroupTags::TagId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChatGroupTags::Table, ChatGroupTags::ChatId)
                            .to(Chats::Table, Chats::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChatGroupTags::Table, ChatGroupTags::TagId)
                            .to(GroupTags::Table, GroupTags::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChatGroupTags::Table, ChatGroupTags::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_chat_group_tags_tag")
                    .table(ChatGroupTags::Table)
                    .col(ChatGroupTags::TagId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::DeletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::DeletedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ChatGroupTags::Table).to_owned())
            .await?;
        Ok(())
    }
}
