//! HR: workplaces with geofences, attendance, leave (types, balances, requests), roster
//! shifts and the document vault; plus the HR-administrator flag on users.
//!
//! Departments already carry their manager (`departments.manager_id`, from the core
//! migration), who approves their members' leave.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    HrAdmin,
}

#[derive(DeriveIden)]
enum HrSites {
    Table,
    Id,
    WorkspaceId,
    Name,
    Address,
    Latitude,
    Longitude,
    RadiusMeters,
    Timezone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HrSiteMembers {
    Table,
    SiteId,
    UserId,
    WorkspaceId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HrAttendance {
    Table,
    Id,
    WorkspaceId,
    UserId,
    SiteId,
    ClockInAt,
    ClockOutAt,
    ClockInLatitude,
    ClockInLongitude,
    ClockInAccuracy,
    ClockOutLatitude,
    ClockOutLongitude,
    ClockOutAccuracy,
    Note,
    ClosedById,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HrLeaveTypes {
    Table,
    Id,
    WorkspaceId,
    Name,
    AllowanceHalfDays,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HrLeaveBalances {
    Table,
    Id,
    WorkspaceId,
    UserId,
    LeaveTypeId,
    Year,
    AllowanceHalfDays,
    UsedHalfDays,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HrLeaveRequests {
    Table,
    Id,
    WorkspaceId,
    UserId,
    LeaveTypeId,
    StartDate,
    EndDate,
    StartHalfDay,
    EndHalfDay,
    HalfDays,
    Reason,
    Status,
    ApproverId,
    DecidedById,
    DecidedAt,
    DecisionComment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HrShifts {
    Table,
    Id,
    WorkspaceId,
    UserId,
    SiteId,
    StartsAt,
    EndsAt,
    Role,
    Note,
    Status,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HrDocuments {
    Table,
    Id,
    WorkspaceId,
    OwnerId,
    UploadedById,
    Title,
    Category,
    FileName,
    MimeType,
    Size,
    StorageKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HrDocumentShares {
    Table,
    DocumentId,
    UserId,
    WorkspaceId,
    SharedById,
    SharedAt,
    ExpiresAt,
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

fn int<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().to_owned()
}

fn double<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).double().not_null().to_owned()
}

fn double_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).double().null().to_owned()
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

fn date<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).date().not_null().to_owned()
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

fn cascade<F: IntoIden, C: IntoIden, T: IntoIden>(
    from: F,
    col: C,
    to: T,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn set_null<F: IntoIden, C: IntoIden, T: IntoIden>(
    from: F,
    col: C,
    to: T,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, Alias::new("id"))
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(flag(Users::HrAdmin))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HrSites::Table)
                    .col(pk(HrSites::Id))
                    .col(big(HrSites::WorkspaceId))
                    .col(text(HrSites::Name))
                    .col(text_default(HrSites::Address))
                    .col(double(HrSites::Latitude))
                    .col(double(HrSites::Longitude))
                    .col(double(HrSites::RadiusMeters))
                    .col(text(HrSites::Timezone))
                    .col(at(HrSites::CreatedAt))
                    .col(at(HrSites::UpdatedAt))
                    .foreign_key(&mut cascade(
                        HrSites::Table,
                        HrSites::WorkspaceId,
                        Workspaces::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_hr_sites_workspace",
                HrSites::Table,
                &["workspace_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HrSiteMembers::Table)
                    .col(big(HrSiteMembers::SiteId))
                    .col(big(HrSiteMembers::UserId))
                    .col(big(HrSiteMembers::WorkspaceId))
                    .col(at(HrSiteMembers::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(HrSiteMembers::SiteId)
                            .col(HrSiteMembers::UserId),
                    )
                    .foreign_key(&mut cascade(
                        HrSiteMembers::Table,
                        HrSiteMembers::SiteId,
                        HrSites::Table,
                    ))
                    .foreign_key(&mut cascade(
                        HrSiteMembers::Table,
                        HrSiteMembers::UserId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_hr_site_members_user",
                HrSiteMembers::Table,
                &["user_id", "site_id"],
            ))
            .await?;

        // `site_id` has no foreign key on purpose: past entries keep their site's id
        // after the site is deleted.
        manager
            .create_table(
                Table::create()
                    .table(HrAttendance::Table)
                    .col(pk(HrAttendance::Id))
                    .col(big(HrAttendance::WorkspaceId))
                    .col(big(HrAttendance::UserId))
                    .col(big(HrAttendance::SiteId))
                    .col(at(HrAttendance::ClockInAt))
                    .col(at_null(HrAttendance::ClockOutAt))
                    .col(double(HrAttendance::ClockInLatitude))
                    .col(double(HrAttendance::ClockInLongitude))
                    .col(double_null(HrAttendance::ClockInAccuracy))
                    .col(double_null(HrAttendance::ClockOutLatitude))
                    .col(double_null(HrAttendance::ClockOutLongitude))
                    .col(double_null(HrAttendance::ClockOutAccuracy))
                    .col(text_default(HrAttendance::Note))
                    .col(big_null(HrAttendance::ClosedById))
                    .col(at(HrAttendance::CreatedAt))
                    .foreign_key(&mut cascade(
                        HrAttendance::Table,
                        HrAttendance::WorkspaceId,
                        Workspaces::Table,
                    ))
                    .foreign_key(&mut cascade(
                        HrAttendance::Table,
                        HrAttendance::UserId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_hr_attendance_user_in",
                HrAttendance::Table,
                &["workspace_id", "user_id", "clock_in_at"],
            ))
            .await?;
        // At most one open entry per member, whatever the race (SQLite and PostgreSQL
        // both have partial indexes).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_hr_attendance_open ON hr_attendance (user_id) \
                 WHERE clock_out_at IS NULL",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HrLeaveTypes::Table)
                    .col(pk(HrLeaveTypes::Id))
                    .col(big(HrLeaveTypes::WorkspaceId))
                    .col(text(HrLeaveTypes::Name))
                    .col(int(HrLeaveTypes::AllowanceHalfDays))
                    .col(at(HrLeaveTypes::CreatedAt))
                    .col(at(HrLeaveTypes::UpdatedAt))
                    .foreign_key(&mut cascade(
                        HrLeaveTypes::Table,
                        HrLeaveTypes::WorkspaceId,
                        Workspaces::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_hr_leave_types_name",
                    HrLeaveTypes::Table,
                    &["workspace_id", "name"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HrLeaveBalances::Table)
                    .col(pk(HrLeaveBalances::Id))
                    .col(big(HrLeaveBalances::WorkspaceId))
                    .col(big(HrLeaveBalances::UserId))
                    .col(big(HrLeaveBalances::LeaveTypeId))
                    .col(int(HrLeaveBalances::Year))
                    .col(int(HrLeaveBalances::AllowanceHalfDays))
                    .col(int(HrLeaveBalances::UsedHalfDays))
                    .col(at(HrLeaveBalances::UpdatedAt))
                    .foreign_key(&mut cascade(
                        HrLeaveBalances::Table,
                        HrLeaveBalances::UserId,
                        Users::Table,
                    ))
                    .foreign_key(&mut cascade(
                        HrLeaveBalances::Table,
                        HrLeaveBalances::LeaveTypeId,
                        HrLeaveTypes::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_hr_leave_balances_key",
                    HrLeaveBalances::Table,
                    &["user_id", "leave_type_id", "year"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HrLeaveRequests::Table)
                    .col(pk(HrLeaveRequests::Id))
                    .col(big(HrLeaveRequests::WorkspaceId))
                    .col(big(HrLeaveRequests::UserId))
                    .col(big(HrLeaveRequests::LeaveTypeId))
                    .col(date(HrLeaveRequests::StartDate))
                    .col(date(HrLeaveRequests::EndDate))
                    .col(flag(HrLeaveRequests::StartHalfDay))
                    .col(flag(HrLeaveRequests::EndHalfDay))
                    .col(int(HrLeaveRequests::HalfDays))
                    .col(text_default(HrLeaveRequests::Reason))
                    .col(text(HrLeaveRequests::Status))
                    .col(big_null(HrLeaveRequests::ApproverId))
                    .col(big_null(HrLeaveRequests::DecidedById))
                    .col(at_null(HrLeaveRequests::DecidedAt))
                    .col(text_null(HrLeaveRequests::DecisionComment))
                    .col(at(HrLeaveRequests::CreatedAt))
                    .col(at(HrLeaveRequests::UpdatedAt))
                    .foreign_key(&mut cascade(
                        HrLeaveRequests::Table,
                        HrLeaveRequests::UserId,
                        Users::Table,
                    ))
                    .foreign_key(&mut cascade(
                        HrLeaveRequests::Table,
                        HrLeaveRequests::LeaveTypeId,
                        HrLeaveTypes::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_hr_leave_requests_user_dates",
                HrLeaveRequests::Table,
                &["workspace_id", "user_id", "start_date"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HrShifts::Table)
                    .col(pk(HrShifts::Id))
                    .col(big(HrShifts::WorkspaceId))
                    .col(big(HrShifts::UserId))
                    .col(big_null(HrShifts::SiteId))
                    .col(at(HrShifts::StartsAt))
                    .col(at(HrShifts::EndsAt))
                    .col(text_default(HrShifts::Role))
                    .col(text_default(HrShifts::Note))
                    .col(text(HrShifts::Status))
                    .col(at_null(HrShifts::PublishedAt))
                    .col(at(HrShifts::CreatedAt))
                    .col(at(HrShifts::UpdatedAt))
                    .foreign_key(&mut cascade(
                        HrShifts::Table,
                        HrShifts::UserId,
                        Users::Table,
                    ))
                    .foreign_key(&mut set_null(
                        HrShifts::Table,
                        HrShifts::SiteId,
                        HrSites::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_hr_shifts_workspace_start",
                HrShifts::Table,
                &["workspace_id", "starts_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_hr_shifts_user_start",
                HrShifts::Table,
                &["user_id", "starts_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HrDocuments::Table)
                    .col(pk(HrDocuments::Id))
                    .col(big(HrDocuments::WorkspaceId))
                    .col(big(HrDocuments::OwnerId))
                    .col(big(HrDocuments::UploadedById))
                    .col(text(HrDocuments::Title))
                    .col(text_default(HrDocuments::Category))
                    .col(text(HrDocuments::FileName))
                    .col(text(HrDocuments::MimeType))
                    .col(big(HrDocuments::Size))
                    .col(text(HrDocuments::StorageKey))
                    .col(at(HrDocuments::CreatedAt))
                    .foreign_key(&mut cascade(
                        HrDocuments::Table,
                        HrDocuments::OwnerId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_hr_documents_owner",
                HrDocuments::Table,
                &["workspace_id", "owner_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HrDocumentShares::Table)
                    .col(big(HrDocumentShares::DocumentId))
                    .col(big(HrDocumentShares::UserId))
                    .col(big(HrDocumentShares::WorkspaceId))
                    .col(big(HrDocumentShares::SharedById))
                    .col(at(HrDocumentShares::SharedAt))
                    .col(at_null(HrDocumentShares::ExpiresAt))
                    .primary_key(
                        Index::create()
                            .col(HrDocumentShares::DocumentId)
                            .col(HrDocumentShares::UserId),
                    )
                    .foreign_key(&mut cascade(
                        HrDocumentShares::Table,
                        HrDocumentShares::DocumentId,
                        HrDocuments::Table,
                    ))
                    .foreign_key(&mut cascade(
                        HrDocumentShares::Table,
                        HrDocumentShares::UserId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_hr_document_shares_user",
                HrDocumentShares::Table,
                &["user_id", "document_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HrDocumentShares::Table.into_iden(),
            HrDocuments::Table.into_iden(),
            HrShifts::Table.into_iden(),
            HrLeaveRequests::Table.into_iden(),
            HrLeaveBalances::Table.into_iden(),
            HrLeaveTypes::Table.into_iden(),
            HrAttendance::Table.into_iden(),
            HrSiteMembers::Table.into_iden(),
            HrSites::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::HrAdmin)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
