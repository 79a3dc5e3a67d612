//! The messaging core: workspaces, people, chats, messages, reactions and API tokens.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    Slug,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
    WorkspaceId,
    Name,
    ParentId,
    ManagerId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    WorkspaceId,
    Email,
    FirstName,
    LastName,
    Nickname,
    IsBot,
    Role,
    Title,
    DepartmentId,
    Suspended,
    Phone,
    AvatarUrl,
    TimeZone,
    StatusEmoji,
    StatusTitle,
    StatusExpiresAt,
    StatusIsAway,
    StatusAwayMessage,
    LastActivityAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GroupTags {
    Table,
    Id,
    WorkspaceId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupTagMembers {
    Table,
    TagId,
    UserId,
    WorkspaceId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Chats {
    Table,
    Id,
    WorkspaceId,
    Kind,
    Name,
    Description,
    IsPublic,
    ArchivedAt,
    DepartmentId,
    CreatorId,
    RootMessageId,
    DirectKey,
    CreatedAt,
    LastMessageAt,
}

#[derive(DeriveIden)]
enum ChatMembers {
    Table,
    ChatId,
    UserId,
    WorkspaceId,
    Role,
    LastReadMessageId,
    JoinedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    WorkspaceId,
    ChatId,
    AuthorId,
    Kind,
    Content,
    Metadata,
    Buttons,
    ReplyToId,
    CreatedAt,
    EditedAt,
    DeletedAt,
    PinnedAt,
    PinnedById,
}

#[derive(DeriveIden)]
enum MessageRevisions {
    Table,
    Id,
    WorkspaceId,
    MessageId,
    Content,
    Metadata,
    Buttons,
    EditorId,
    ReplacedAt,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    WorkspaceId,
    MessageId,
    Name,
    Kind,
    Url,
    FileKey,
    Size,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Reactions {
    Table,
    Id,
    WorkspaceId,
    MessageId,
    UserId,
    Emoji,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Name,
    Prefix,
    LastFour,
    TokenHash,
    Scopes,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
    CreatedAt,
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
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

fn text_default<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().default("").to_owned()
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

fn json_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).json_binary().null().to_owned()
}

fn fk<F: IntoIden, C: IntoIden, T: IntoIden>(
    from_table: F,
    from_col: C,
    to_table: T,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index<T: IntoTableRef>(name: &str, table: T, cols: &[&str]) -> IndexCreateStatement {
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
        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .col(id(Workspaces::Id))
                    .col(text(Workspaces::Slug).unique_key())
                    .col(text(Workspaces::Name))
                    .col(at(Workspaces::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Departments::Table)
                    .col(id(Departments::Id))
                    .col(big(Departments::WorkspaceId))
                    .col(text(Departments::Name))
                    .col(big_null(Departments::ParentId))
                    .col(big_null(Departments::ManagerId))
                    .col(at(Departments::CreatedAt))
                    .foreign_key(&mut fk(
                        Departments::Table,
                        Departments::WorkspaceId,
                        Workspaces::Table,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Departments::Table, Departments::ParentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(big(Users::WorkspaceId))
                    .col(text_null(Users::Email))
                    .col(text_default(Users::FirstName))
                    .col(text_default(Users::LastName))
                    .col(text_default(Users::Nickname))
                    .col(flag(Users::IsBot))
                    .col(text(Users::Role))
                    .col(text_default(Users::Title))
                    .col(big_null(Users::DepartmentId))
                    .col(flag(Users::Suspended))
                    .col(text_default(Users::Phone))
                    .col(text_null(Users::AvatarUrl))
                    .col(text_default(Users::TimeZone))
                    .col(text_null(Users::StatusEmoji))
                    .col(text_null(Users::StatusTitle))
                    .col(at_null(Users::StatusExpiresAt))
                    .col(flag(Users::StatusIsAway))
                    .col(text_null(Users::StatusAwayMessage))
                    .col(at_null(Users::LastActivityAt))
                    .col(at(Users::CreatedAt))
                    .col(at(Users::UpdatedAt))
                    .foreign_key(&mut fk(Users::Table, Users::WorkspaceId, Workspaces::Table))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::DepartmentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_users_workspace_email",
                    Users::Table,
                    &["workspace_id", "email"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GroupTags::Table)
                    .col(id(GroupTags::Id))
                    .col(big(GroupTags::WorkspaceId))
                    .col(text(GroupTags::Name))
                    .col(at(GroupTags::CreatedAt))
                    .foreign_key(&mut fk(
                        GroupTags::Table,
                        GroupTags::WorkspaceId,
                        Workspaces::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_group_tags_workspace_name",
                    GroupTags::Table,
                    &["workspace_id", "name"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GroupTagMembers::Table)
                    .col(big(GroupTagMembers::TagId))
                    .col(big(GroupTagMembers::UserId))
                    .col(big(GroupTagMembers::WorkspaceId))
                    .col(at(GroupTagMembers::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(GroupTagMembers::TagId)
                            .col(GroupTagMembers::UserId),
                    )
                    .foreign_key(&mut fk(
                        GroupTagMembers::Table,
                        GroupTagMembers::TagId,
                        GroupTags::Table,
                    ))
                    .foreign_key(&mut fk(
                        GroupTagMembers::Table,
                        GroupTagMembers::UserId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Chats::Table)
                    .col(id(Chats::Id))
                    .col(big(Chats::WorkspaceId))
                    .col(text(Chats::Kind))
                    .col(text_default(Chats::Name))
                    .col(text_default(Chats::Description))
                    .col(flag(Chats::IsPublic))
                    .col(at_null(Chats::ArchivedAt))
                    .col(big_null(Chats::DepartmentId))
                    .col(big(Chats::CreatorId))
                    .col(big_null(Chats::RootMessageId))
                    .col(text_null(Chats::DirectKey))
                    .col(at(Chats::CreatedAt))
                    .col(at(Chats::LastMessageAt))
                    .foreign_key(&mut fk(Chats::Table, Chats::WorkspaceId, Workspaces::Table))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Chats::Table, Chats::DepartmentId)
                            .to(Departments::Table, Departments::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_chats_direct_key",
                    Chats::Table,
                    &["workspace_id", "direct_key"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_chats_root_message", Chats::Table, &["root_message_id"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_chats_workspace",
                Chats::Table,
                &["workspace_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChatMembers::Table)
                    .col(big(ChatMembers::ChatId))
                    .col(big(ChatMembers::UserId))
                    .col(big(ChatMembers::WorkspaceId))
                    .col(text(ChatMembers::Role))
                    .col(
                        ColumnDef::new(ChatMembers::LastReadMessageId)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(at(ChatMembers::JoinedAt))
                    .primary_key(
                        Index::create()
                            .col(ChatMembers::ChatId)
                            .col(ChatMembers::UserId),
                    )
                    .foreign_key(&mut fk(
                        ChatMembers::Table,
                        ChatMembers::ChatId,
                        Chats::Table,
                    ))
                    .foreign_key(&mut fk(
                        ChatMembers::Table,
                        ChatMembers::UserId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_chat_members_user",
                ChatMembers::Table,
                &["user_id", "chat_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(id(Messages::Id))
                    .col(big(Messages::WorkspaceId))
                    .col(big(Messages::ChatId))
                    .col(big(Messages::AuthorId))
                    .col(text(Messages::Kind))
                    .col(text(Messages::Content))
                    .col(json_null(Messages::Metadata))
                    .col(json_null(Messages::Buttons))
                    .col(big_null(Messages::ReplyToId))
                    .col(at(Messages::CreatedAt))
                    .col(at_null(Messages::EditedAt))
                    .col(at_null(Messages::DeletedAt))
                    .col(at_null(Messages::PinnedAt))
                    .col(big_null(Messages::PinnedById))
                    .foreign_key(&mut fk(Messages::Table, Messages::ChatId, Chats::Table))
                    .foreign_key(&mut fk(Messages::Table, Messages::AuthorId, Users::Table))
                    .to_owned(),
            )
            .await?;
        // The page query of every chat view: newest first within one chat.
        manager
            .create_index(index(
                "ix_messages_chat_id",
                Messages::Table,
                &["chat_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_messages_workspace_author",
                Messages::Table,
                &["workspace_id", "author_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MessageRevisions::Table)
                    .col(id(MessageRevisions::Id))
                    .col(big(MessageRevisions::WorkspaceId))
                    .col(big(MessageRevisions::MessageId))
                    .col(text(MessageRevisions::Content))
                    .col(json_null(MessageRevisions::Metadata))
                    .col(json_null(MessageRevisions::Buttons))
                    .col(big(MessageRevisions::EditorId))
                    .col(at(MessageRevisions::ReplacedAt))
                    .foreign_key(&mut fk(
                        MessageRevisions::Table,
                        MessageRevisions::MessageId,
                        Messages::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_message_revisions_message",
                MessageRevisions::Table,
                &["message_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(id(Attachments::Id))
                    .col(big(Attachments::WorkspaceId))
                    .col(big(Attachments::MessageId))
                    .col(text(Attachments::Name))
                    .col(text(Attachments::Kind))
                    .col(text_null(Attachments::Url))
                    .col(text_null(Attachments::FileKey))
                    .col(
                        ColumnDef::new(Attachments::Size)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(at(Attachments::CreatedAt))
                    .foreign_key(&mut fk(
                        Attachments::Table,
                        Attachments::MessageId,
                        Messages::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_attachments_message",
                Attachments::Table,
                &["message_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reactions::Table)
                    .col(id(Reactions::Id))
                    .col(big(Reactions::WorkspaceId))
                    .col(big(Reactions::MessageId))
                    .col(big(Reactions::UserId))
                    .col(text(Reactions::Emoji))
                    .col(at(Reactions::CreatedAt))
                    .foreign_key(&mut fk(
                        Reactions::Table,
                        Reactions::MessageId,
                        Messages::Table,
                    ))
                    .foreign_key(&mut fk(Reactions::Table, Reactions::UserId, Users::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_reactions_message_user_emoji",
                    Reactions::Table,
                    &["message_id", "user_id", "emoji"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(id(ApiTokens::Id))
                    .col(big(ApiTokens::WorkspaceId))
                    .col(big(ApiTokens::UserId))
                    .col(text(ApiTokens::Name))
                    .col(text(ApiTokens::Prefix))
                    .col(text(ApiTokens::LastFour))
                    .col(text(ApiTokens::TokenHash).unique_key())
                    .col(text(ApiTokens::Scopes))
                    .col(at_null(ApiTokens::ExpiresAt))
                    .col(at_null(ApiTokens::RevokedAt))
                    .col(at_null(ApiTokens::LastUsedAt))
                    .col(at(ApiTokens::CreatedAt))
                    .foreign_key(&mut fk(ApiTokens::Table, ApiTokens::UserId, Users::Table))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiTokens::Table.into_iden(),
            Reactions::Table.into_iden(),
            Attachments::Table.into_iden(),
            MessageRevisions::Table.into_iden(),
            Messages::Table.into_iden(),
            ChatMembers::Table.into_iden(),
            Chats::Table.into_iden(),
            GroupTagMembers::Table.into_iden(),
            GroupTags::Table.into_iden(),
            Users::Table.into_iden(),
            Departments::Table.into_iden(),
            Workspaces::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
