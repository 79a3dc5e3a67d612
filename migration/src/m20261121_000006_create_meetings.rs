//! Meetings ("Pulse"): meetings and their attendees, per-user calendar feeds, calls and
//! their participants, transcript segments (full-text searchable) and meeting notes with
//! their revisions.
//!
//! One running call per meeting or chat is enforced by a unique `active_key`
//! (`meeting:<id>` / `chat:<id>`) that is set while the call runs and cleared when it
//! ends (NULLs never collide, on SQLite or PostgreSQL). Transcript search follows
//! `m20261121_000002_create_search`: an external-content FTS5 table with triggers on
//! SQLite, a generated `tsvector` column with a GIN index on PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}

#[derive(DeriveIden)]
enum Chats {
    Table,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    WorkspaceId,
    OrganiserId,
    ChatId,
    Title,
    Agenda,
    Location,
    TimeZone,
    Media,
    StartsAt,
    EndsAt,
    Status,
    CancelReason,
    Sequence,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MeetingAttendees {
    Table,
    MeetingId,
    UserId,
    WorkspaceId,
    Rsvp,
    Comment,
    RespondedAt,
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    Id,
    WorkspaceId,
    UserId,
    TokenHash,
    Prefix,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
    WorkspaceId,
    MeetingId,
    ChatId,
    Media,
    Status,
    ActiveKey,
    StartedById,
    StartedAt,
    EndedAt,
    StartMessageId,
    EndMessageId,
    TranscriptLanguage,
}

#[derive(DeriveIden)]
enum CallParticipants {
    Table,
    CallId,
    UserId,
    WorkspaceId,
    JoinedAt,
    LeftAt,
}

#[derive(DeriveIden)]
enum TranscriptSegments {
    Table,
    Id,
    WorkspaceId,
    CallId,
    MeetingId,
    SpeakerId,
    SpeakerName,
    StartMs,
    EndMs,
    Text,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MeetingNotes {
    Table,
    Id,
    WorkspaceId,
    MeetingId,
    Title,
    Content,
    Revision,
    CreatedById,
    UpdatedById,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MeetingNoteRevisions {
    Table,
    Id,
    WorkspaceId,
    NoteId,
    Revision,
    Title,
    Content,
    EditorId,
    ReplacedAt,
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

fn fk_set_null<F: IntoIden, C: IntoIden, T: IntoIden>(
    from_table: F,
    from_col: C,
    to_table: T,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, Alias::new("id"))
        .on_delete(ForeignKeyAction::SetNull)
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

const SQLITE_FTS_UP: [&str; 5] = [
    "CREATE VIRTUAL TABLE transcript_segments_fts USING fts5(text, content='transcript_segments', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER transcript_segments_fts_ai AFTER INSERT ON transcript_segments BEGIN INSERT INTO transcript_segments_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER transcript_segments_fts_ad AFTER DELETE ON transcript_segments BEGIN INSERT INTO transcript_segments_fts(transcript_segments_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER transcript_segments_fts_au AFTER UPDATE OF text ON transcript_segments BEGIN INSERT INTO transcript_segments_fts(transcript_segments_fts, rowid, text) VALUES ('delete', old.id, old.text); INSERT INTO transcript_segments_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO transcript_segments_fts(transcript_segments_fts) VALUES ('rebuild')",
];

const SQLITE_FTS_DOWN: [&str; 4] = [
    "DROP TRIGGER IF EXISTS transcript_segments_fts_ai",
    "DROP TRIGGER IF EXISTS transcript_segments_fts_ad",
    "DROP TRIGGER IF EXISTS transcript_segments_fts_au",
    "DROP TABLE IF EXISTS transcript_segments_fts",
];

const POSTGRES_FTS_UP: [&str; 2] = [
    "ALTER TABLE transcript_segments ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(text, ''))) STORED",
    "CREATE INDEX ix_transcript_segments_search ON transcript_segments USING GIN (search)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Meetings::Table)
                    .col(id(Meetings::Id))
                    .col(big(Meetings::WorkspaceId))
                    .col(big(Meetings::OrganiserId))
                    .col(big_null(Meetings::ChatId))
                    .col(text(Meetings::Title))
                    .col(text_default(Meetings::Agenda))
                    .col(text_default(Meetings::Location))
                    .col(text(Meetings::TimeZone))
                    .col(text(Meetings::Media))
                    .col(at(Meetings::StartsAt))
                    .col(at(Meetings::EndsAt))
                    .col(text(Meetings::Status))
                    .col(text_null(Meetings::CancelReason))
                    .col(
                        ColumnDef::new(Meetings::Sequence)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(at(Meetings::CreatedAt))
                    .col(at(Meetings::UpdatedAt))
                    .foreign_key(&mut fk(
                        Meetings::Table,
                        Meetings::WorkspaceId,
                        Workspaces::Table,
                    ))
                    .foreign_key(&mut fk(
                        Meetings::Table,
                        Meetings::OrganiserId,
                        Users::Table,
                    ))
                    .foreign_key(&mut fk_set_null(
                        Meetings::Table,
                        Meetings::ChatId,
                        Chats::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_meetings_workspace_starts",
                Meetings::Table,
                &["workspace_id", "starts_at", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_meetings_organiser",
                Meetings::Table,
                &["organiser_id", "starts_at"],
            ))
            .await?;
        manager
            .create_index(index("ix_meetings_chat", Meetings::Table, &["chat_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingAttendees::Table)
                    .col(big(MeetingAttendees::MeetingId))
                    .col(big(MeetingAttendees::UserId))
                    .col(big(MeetingAttendees::WorkspaceId))
                    .col(text(MeetingAttendees::Rsvp))
                    .col(text_null(MeetingAttendees::Comment))
                    .col(at_null(MeetingAttendees::RespondedAt))
                    .primary_key(
                        Index::create()
                            .col(MeetingAttendees::MeetingId)
                            .col(MeetingAttendees::UserId),
                    )
                    .foreign_key(&mut fk(
                        MeetingAttendees::Table,
                        MeetingAttendees::MeetingId,
                        Meetings::Table,
                    ))
                    .foreign_key(&mut fk(
                        MeetingAttendees::Table,
                        MeetingAttendees::UserId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_meeting_attendees_user",
                MeetingAttendees::Table,
                &["user_id", "meeting_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(id(CalendarFeeds::Id))
                    .col(big(CalendarFeeds::WorkspaceId))
                    .col(big(CalendarFeeds::UserId).unique_key())
                    .col(text(CalendarFeeds::TokenHash).unique_key())
                    .col(text(CalendarFeeds::Prefix))
                    .col(at(CalendarFeeds::CreatedAt))
                    .foreign_key(&mut fk(
                        CalendarFeeds::Table,
                        CalendarFeeds::UserId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Calls::Table)
                    .col(id(Calls::Id))
                    .col(big(Calls::WorkspaceId))
                    .col(big_null(Calls::MeetingId))
                    .col(big_null(Calls::ChatId))
                    .col(text(Calls::Media))
                    .col(text(Calls::Status))
                    .col(text_null(Calls::ActiveKey))
                    .col(big(Calls::StartedById))
                    .col(at(Calls::StartedAt))
                    .col(at_null(Calls::EndedAt))
                    .col(big_null(Calls::StartMessageId))
                    .col(big_null(Calls::EndMessageId))
                    .col(text_null(Calls::TranscriptLanguage))
                    .foreign_key(&mut fk(Calls::Table, Calls::WorkspaceId, Workspaces::Table))
                    .foreign_key(&mut fk(Calls::Table, Calls::MeetingId, Meetings::Table))
                    .foreign_key(&mut fk(Calls::Table, Calls::ChatId, Chats::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_calls_active_key",
                    Calls::Table,
                    &["workspace_id", "active_key"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_calls_meeting",
                Calls::Table,
                &["meeting_id", "id"],
            ))
            .await?;
        manager
            .create_index(index("ix_calls_chat", Calls::Table, &["chat_id", "id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CallParticipants::Table)
                    .col(big(CallParticipants::CallId))
                    .col(big(CallParticipants::UserId))
                    .col(big(CallParticipants::WorkspaceId))
                    .col(at(CallParticipants::JoinedAt))
                    .col(at_null(CallParticipants::LeftAt))
                    .primary_key(
                        Index::create()
                            .col(CallParticipants::CallId)
                            .col(CallParticipants::UserId),
                    )
                    .foreign_key(&mut fk(
                        CallParticipants::Table,
                        CallParticipants::CallId,
                        Calls::Table,
                    ))
                    .foreign_key(&mut fk(
                        CallParticipants::Table,
                        CallParticipants::UserId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TranscriptSegments::Table)
                    .col(id(TranscriptSegments::Id))
                    .col(big(TranscriptSegments::WorkspaceId))
                    .col(big(TranscriptSegments::CallId))
                    .col(big_null(TranscriptSegments::MeetingId))
                    .col(big_null(TranscriptSegments::SpeakerId))
                    .col(text_default(TranscriptSegments::SpeakerName))
                    .col(big(TranscriptSegments::StartMs))
                    .col(big(TranscriptSegments::EndMs))
                    .col(text(TranscriptSegments::Text))
                    .col(at(TranscriptSegments::CreatedAt))
                    .foreign_key(&mut fk(
                        TranscriptSegments::Table,
                        TranscriptSegments::CallId,
                        Calls::Table,
                    ))
                    .foreign_key(&mut fk_set_null(
                        TranscriptSegments::Table,
                        TranscriptSegments::SpeakerId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_transcript_segments_call",
                TranscriptSegments::Table,
                &["call_id", "start_ms", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingNotes::Table)
                    .col(id(MeetingNotes::Id))
                    .col(big(MeetingNotes::WorkspaceId))
                    .col(big(MeetingNotes::MeetingId))
                    .col(text_default(MeetingNotes::Title))
                    .col(text(MeetingNotes::Content))
                    .col(big(MeetingNotes::Revision))
                    .col(big(MeetingNotes::CreatedById))
                    .col(big(MeetingNotes::UpdatedById))
                    .col(at(MeetingNotes::CreatedAt))
                    .col(at(MeetingNotes::UpdatedAt))
                    .foreign_key(&mut fk(
                        MeetingNotes::Table,
                        MeetingNotes::MeetingId,
                        Meetings::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_meeting_notes_meeting",
                MeetingNotes::Table,
                &["meeting_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingNoteRevisions::Table)
                    .col(id(MeetingNoteRevisions::Id))
                    .col(big(MeetingNoteRevisions::WorkspaceId))
                    .col(big(MeetingNoteRevisions::NoteId))
                    .col(big(MeetingNoteRevisions::Revision))
                    .col(text_default(MeetingNoteRevisions::Title))
                    .col(text(MeetingNoteRevisions::Content))
                    .col(big(MeetingNoteRevisions::EditorId))
                    .col(at(MeetingNoteRevisions::ReplacedAt))
                    .foreign_key(&mut fk(
                        MeetingNoteRevisions::Table,
                        MeetingNoteRevisions::NoteId,
                        MeetingNotes::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_meeting_note_revisions_note",
                    MeetingNoteRevisions::Table,
                    &["note_id", "revision"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &SQLITE_FTS_UP,
            DbBackend::Postgres => &POSTGRES_FTS_UP,
            other => {
                return Err(DbErr::Migration(format!(
                    "full-text search is implemented for SQLite and PostgreSQL, not {other:?}"
                )));
            }
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            let db = manager.get_connection();
            for sql in SQLITE_FTS_DOWN {
                db.execute_unprepared(sql).await?;
            }
        }
        for table in [
            MeetingNoteRevisions::Table.into_iden(),
            MeetingNotes::Table.into_iden(),
            TranscriptSegments::Table.into_iden(),
            CallParticipants::Table.into_iden(),
            Calls::Table.into_iden(),
            CalendarFeeds::Table.into_iden(),
            MeetingAttendees::Table.into_iden(),
            Meetings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
