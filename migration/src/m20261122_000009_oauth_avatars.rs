//! OAuth clients and avatars.
//!
//! - `oauth_codes`: authorization codes a user grants a bot's OAuth client (single use,
//!   short-lived, only their SHA-256 stored, with the PKCE challenge when one was sent).
//! - `api_tokens.oauth_bot_id` / `refresh_hash`: a token issued through `/oauth/token`
//!   belongs to the authorizing user and remembers the client it was issued to, with the
//!   SHA-256 of its refresh token.
//! - `chats.avatar_url`: a chat's picture (users already have one).
//! - `attachments.width` / `height`: an image's pixel size, as the uploader reported it.

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
    AvatarUrl,
}

#[derive(DeriveIden, Clone, Copy)]
enum Attachments {
    Table,
    Width,
    Height,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiTokens {
    Table,
    OauthBotId,
    RefreshHash,
}

#[derive(DeriveIden, Clone, Copy)]
enum OauthCodes {
    Table,
    Id,
    WorkspaceId,
    BotId,
    UserId,
    CodeHash,
    RedirectUri,
    Scopes,
    CodeChallenge,
    ExpiresAt,
    UsedAt,
    CreatedAt,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Chats::Table)
                    .add_column(ColumnDef::new(Chats::AvatarUrl).text().null())
                    .to_owned(),
            )
            .await?;
        for col in [Attachments::Width, Attachments::Height] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Attachments::Table)
                        .add_column(ColumnDef::new(col).big_integer().null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(ColumnDef::new(ApiTokens::OauthBotId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(ColumnDef::new(ApiTokens::RefreshHash).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_api_tokens_refresh_hash",
                    ApiTokens::Table,
                    &["refresh_hash"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_api_tokens_oauth_bot",
                ApiTokens::Table,
                &["oauth_bot_id", "revoked_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthCodes::Table)
                    .col(
                        ColumnDef::new(OauthCodes::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OauthCodes::WorkspaceId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OauthCodes::BotId).big_integer().not_null())
                    .col(ColumnDef::new(OauthCodes::UserId).big_integer().not_null())
                    .col(ColumnDef::new(OauthCodes::CodeHash).text().not_null())
                    .col(ColumnDef::new(OauthCodes::RedirectUri).text().not_null())
                    .col(ColumnDef::new(OauthCodes::Scopes).text().not_null())
                    .col(ColumnDef::new(OauthCodes::CodeChallenge).text().null())
                    .col(
                        ColumnDef::new(OauthCodes::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OauthCodes::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OauthCodes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        OauthCodes::Table,
                        OauthCodes::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut cascade(
                        OauthCodes::Table,
                        OauthCodes::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut cascade(
                        OauthCodes::Table,
                        OauthCodes::BotId,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_oauth_codes_hash", OauthCodes::Table, &["code_hash"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthCodes::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_api_tokens_oauth_bot")
                    .table(ApiTokens::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_api_tokens_refresh_hash")
                    .table(ApiTokens::Table)
                    .to_owned(),
            )
            .await?;
        for col in [ApiTokens::RefreshHash, ApiTokens::OauthBotId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ApiTokens::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        for col in [Attachments::Height, Attachments::Width] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Attachments::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Chats::Table)
                    .drop_column(Chats::AvatarUrl)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
