//! Integrations: bots and their outgoing webhooks, the bot event history, interactive
//! views, link previews, chat exports and message drafts.
//!
//! A bot is a user (`users.is_bot`) with a `bots` row of settings. Its outgoing webhook is
//! a `webhook_endpoints` row of `format = 'pachca'` owned by the bot, so deliveries go
//! through the one outbox; export-ready notices use a one-shot endpoint of format
//! `export`. `bot_events` holds one row per (event, bot): the Pachca-shaped payload that
//! is both pushed (stamped and signed at delivery time) and listed in the history.

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
enum Messages {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookEndpoints {
    Table,
    Id,
    Format,
    OwnerId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Bots {
    Table,
    UserId,
    WorkspaceId,
    CreatorId,
    EndpointId,
    Events,
    TriggerOn,
    Scopes,
    LinkPreviewEnabled,
    IgnoreSelfMessages,
    EventsHistoryEnabled,
    UnfurlDomains,
    Settings,
    ClientId,
    ClientSecretHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum BotEvents {
    Table,
    Id,
    WorkspaceId,
    BotId,
    EventId,
    EventType,
    TriggerId,
    Payload,
    InHistory,
    DeletedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Views {
    Table,
    Id,
    WorkspaceId,
    BotId,
    UserId,
    TriggerId,
    ChatId,
    CallbackId,
    PrivateMetadata,
    View,
    State,
    SubmitId,
    SubmitData,
    SubmitErrors,
    SubmittedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LinkPreviews {
    Table,
    Id,
    WorkspaceId,
    MessageId,
    Url,
    Title,
    Description,
    ImageUrl,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChatExports {
    Table,
    Id,
    WorkspaceId,
    RequestedBy,
    StartDate,
    EndDate,
    ChatIds,
    SkipChatsFile,
    WebhookUrl,
    Status,
    FileKey,
    Size,
    Error,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Drafts {
    Table,
    Id,
    WorkspaceId,
    UserId,
    ChatId,
    ParentMessageId,
    Content,
    Files,
    Schedule,
    NextSendAt,
    CreatedAt,
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

fn json<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).json_binary().not_null().to_owned()
}

fn json_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).json_binary().null().to_owned()
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

fn cascade<F: IntoIden, C: IntoIden, T: IntoIden, K: IntoIden>(
    from: F,
    col: C,
    to: T,
    key: K,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, key)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index<T: IntoIden + Clone + 'static>(
    name: &str,
    table: T,
    cols: &[&str],
) -> IndexCreateStatement {
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
        // Endpoint formats: `standard` (Standard Webhooks, the native API), `pachca` (a
        // bot's outgoing webhook), `export` (a one-shot export-ready notice).
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEndpoints::Table)
                    .add_column(
                        ColumnDef::new(WebhookEndpoints::Format)
                            .text()
                            .not_null()
                            .default("standard"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEndpoints::Table)
                    .add_column(big_null(WebhookEndpoints::OwnerId))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Bots::Table)
                    .col(
                        ColumnDef::new(Bots::UserId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(big(Bots::WorkspaceId))
                    .col(big(Bots::CreatorId))
                    .col(big(Bots::EndpointId))
                    .col(text(Bots::Events))
                    .col(text(Bots::TriggerOn))
                    .col(text(Bots::Scopes))
                    .col(flag(Bots::LinkPreviewEnabled))
                    .col(flag(Bots::IgnoreSelfMessages))
                    .col(flag(Bots::EventsHistoryEnabled))
                    .col(text(Bots::UnfurlDomains))
                    .col(json(Bots::Settings))
                    .col(text(Bots::ClientId))
                    .col(text_null(Bots::ClientSecretHash))
                    .col(at(Bots::CreatedAt))
                    .col(at(Bots::UpdatedAt))
                    .foreign_key(&mut cascade(
                        Bots::Table,
                        Bots::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut cascade(
                        Bots::Table,
                        Bots::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut cascade(
                        Bots::Table,
                        Bots::EndpointId,
                        WebhookEndpoints::Table,
                        WebhookEndpoints::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_bots_workspace", Bots::Table, &["workspace_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BotEvents::Table)
                    .col(
                        ColumnDef::new(BotEvents::Id)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(big(BotEvents::WorkspaceId))
                    .col(big(BotEvents::BotId))
                    .col(big(BotEvents::EventId))
                    .col(text(BotEvents::EventType))
                    .col(text_null(BotEvents::TriggerId))
                    .col(json(BotEvents::Payload))
                    .col(flag(BotEvents::InHistory))
                    .col(at_null(BotEvents::DeletedAt))
                    .col(at(BotEvents::CreatedAt))
                    .foreign_key(&mut cascade(
                        BotEvents::Table,
                        BotEvents::BotId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut cascade(
                        BotEvents::Table,
                        BotEvents::EventId,
                        Events::Table,
                        Events::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_bot_events_event_bot",
                    BotEvents::Table,
                    &["event_id", "bot_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_bot_events_history",
                BotEvents::Table,
                &["bot_id", "in_history", "created_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_bot_events_trigger",
                BotEvents::Table,
                &["trigger_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Views::Table)
                    .col(ColumnDef::new(Views::Id).text().not_null().primary_key())
                    .col(big(Views::WorkspaceId))
                    .col(big(Views::BotId))
                    .col(big(Views::UserId))
                    .col(text(Views::TriggerId))
                    .col(big_null(Views::ChatId))
                    .col(text_null(Views::CallbackId))
                    .col(text_null(Views::PrivateMetadata))
                    .col(json(Views::View))
                    .col(text(Views::State))
                    .col(text_null(Views::SubmitId))
                    .col(json_null(Views::SubmitData))
                    .col(json_null(Views::SubmitErrors))
                    .col(at_null(Views::SubmittedAt))
                    .col(at(Views::CreatedAt))
                    .foreign_key(&mut cascade(
                        Views::Table,
                        Views::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_views_trigger", Views::Table, &["trigger_id"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LinkPreviews::Table)
                    .col(pk(LinkPreviews::Id))
                    .col(big(LinkPreviews::WorkspaceId))
                    .col(big(LinkPreviews::MessageId))
                    .col(text(LinkPreviews::Url))
                    .col(text(LinkPreviews::Title))
                    .col(text(LinkPreviews::Description))
                    .col(text_null(LinkPreviews::ImageUrl))
                    .col(at(LinkPreviews::CreatedAt))
                    .foreign_key(&mut cascade(
                        LinkPreviews::Table,
                        LinkPreviews::MessageId,
                        Messages::Table,
                        Messages::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_link_previews_message_url",
                    LinkPreviews::Table,
                    &["message_id", "url"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChatExports::Table)
                    .col(pk(ChatExports::Id))
                    .col(big(ChatExports::WorkspaceId))
                    .col(big(ChatExports::RequestedBy))
                    .col(text(ChatExports::StartDate))
                    .col(text(ChatExports::EndDate))
                    .col(json_null(ChatExports::ChatIds))
                    .col(flag(ChatExports::SkipChatsFile))
                    .col(text(ChatExports::WebhookUrl))
                    .col(text(ChatExports::Status))
                    .col(text_null(ChatExports::FileKey))
                    .col(big_null(ChatExports::Size))
                    .col(text_null(ChatExports::Error))
                    .col(at(ChatExports::CreatedAt))
                    .col(at_null(ChatExports::FinishedAt))
                    .foreign_key(&mut cascade(
                        ChatExports::Table,
                        ChatExports::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_chat_exports_status",
                ChatExports::Table,
                &["status", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Drafts::Table)
                    .col(pk(Drafts::Id))
                    .col(big(Drafts::WorkspaceId))
                    .col(big(Drafts::UserId))
                    .col(big(Drafts::ChatId))
                    .col(big_null(Drafts::ParentMessageId))
                    .col(text(Drafts::Content))
                    .col(json(Drafts::Files))
                    .col(json_null(Drafts::Schedule))
                    .col(at_null(Drafts::NextSendAt))
                    .col(at(Drafts::CreatedAt))
                    .col(at(Drafts::UpdatedAt))
                    .foreign_key(&mut cascade(
                        Drafts::Table,
                        Drafts::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_drafts_user",
                Drafts::Table,
                &["workspace_id", "user_id", "id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Drafts::Table.into_iden(),
            ChatExports::Table.into_iden(),
            LinkPreviews::Table.into_iden(),
            Views::Table.into_iden(),
            BotEvents::Table.into_iden(),
            Bots::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for col in [
            WebhookEndpoints::OwnerId.into_iden(),
            WebhookEndpoints::Format.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(WebhookEndpoints::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
