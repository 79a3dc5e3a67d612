//! The HR events, carried by [`crate::events::EventKind::Hr`] in the one event log.

use entities::{hr_attendance, hr_documents, hr_leave_requests, hr_shifts};
use serde::{Deserialize, Serialize};

/// What changed in HR. Vault events carry metadata only, never content or URLs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HrEvent {
    /// A site was created, changed or deleted.
    SiteChanged {
        /// The site.
        site_id: i64,
        /// Whether it was deleted.
        deleted: bool,
    },
    /// A member clocked in.
    ClockedIn {
        /// The new, open entry.
        entry: hr_attendance::Model,
    },
    /// A member clocked out, or an HR administrator closed their open entry.
    ClockedOut {
        /// The closed entry (`closed_by_id` set when closed by HR).
        entry: hr_attendance::Model,
    },
    /// A leave type was created or changed.
    LeaveTypeChanged {
        /// The type.
        leave_type_id: i64,
    },
    /// A member's allowance for a year was set.
    LeaveBalanceChanged {
        /// The member.
        user_id: i64,
        /// The type.
        leave_type_id: i64,
        /// The year.
        year: i32,
    },
    /// A leave request was filed.
    LeaveRequested {
        /// The request.
        request: hr_leave_requests::Model,
    },
    /// A leave request was approved.
    LeaveApproved {
        /// The request.
        request: hr_leave_requests::Model,
    },
    /// A leave request was rejected.
    LeaveRejected {
        /// The request.
        request: hr_leave_requests::Model,
    },
    /// A leave request was cancelled by its requester.
    LeaveCancelled {
        /// The request.
        request: hr_leave_requests::Model,
    },
    /// A shift was created, changed or deleted.
    ShiftChanged {
        /// The shift as it now is (as it was, when deleted).
        shift: hr_shifts::Model,
        /// Whether it was deleted.
        deleted: bool,
    },
    /// Draft shifts were published.
    RosterPublished {
        /// The shifts published.
        shift_ids: Vec<i64>,
        /// Their members, once each.
        user_ids: Vec<i64>,
    },
    /// A document was uploaded to a member's vault.
    DocumentUploaded {
        /// Its metadata.
        document: hr_documents::Model,
    },
    /// A document's shares changed.
    DocumentShared {
        /// The document.
        document_id: i64,
        /// The member it concerns.
        owner_id: i64,
        /// Members it is now shared with.
        user_ids: Vec<i64>,
    },
    /// A document was deleted (and its bytes erased).
    DocumentDeleted {
        /// The document.
        document_id: i64,
        /// The member it concerned.
        owner_id: i64,
    },
    /// A document's bytes were downloaded (the audit record of the download).
    DocumentDownloaded {
        /// The document.
        document_id: i64,
        /// The member it concerns.
        owner_id: i64,
        /// Who downloaded it.
        user_id: i64,
    },
    /// A member's HR-admin flag changed.
    HrAdminChanged {
        /// The member.
        user_id: i64,
        /// The new flag.
        hr_admin: bool,
    },
}

impl HrEvent {
    /// The stored type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            HrEvent::SiteChanged { .. } => "hr_site_changed",
            HrEvent::ClockedIn { .. } => "hr_attendance_clocked_in",
            HrEvent::ClockedOut { .. } => "hr_attendance_clocked_out",
            HrEvent::LeaveTypeChanged { .. } => "hr_leave_type_changed",
            HrEvent::LeaveBalanceChanged { .. } => "hr_leave_balance_changed",
            HrEvent::LeaveRequested { .. } => "hr_leave_requested",
            HrEvent::LeaveApproved { .. } => "hr_leave_approved",
            HrEvent::LeaveRejected { .. } => "hr_leave_rejected",
            HrEvent::LeaveCancelled { .. } => "hr_leave_cancelled",
            HrEvent::ShiftChanged { .. } => "hr_shift_changed",
            HrEvent::RosterPublished { .. } => "hr_roster_published",
            HrEvent::DocumentUploaded { .. } => "hr_document_uploaded",
            HrEvent::DocumentShared { .. } => "hr_document_shared",
            HrEvent::DocumentDeleted { .. } => "hr_document_deleted",
            HrEvent::DocumentDownloaded { .. } => "hr_document_downloaded",
            HrEvent::HrAdminChanged { .. } => "hr_admin_changed",
        }
    }

    /// The object changed: its type and id (for the audit trail).
    pub fn subject(&self) -> (&'static str, Option<i64>) {
        match self {
            HrEvent::SiteChanged { site_id, .. } => ("hr_site", Some(*site_id)),
            HrEvent::ClockedIn { entry } | HrEvent::ClockedOut { entry } => {
                ("hr_attendance", Some(entry.id))
            }
            HrEvent::LeaveTypeChanged { leave_type_id }
            | HrEvent::LeaveBalanceChanged { leave_type_id, .. } => {
                ("hr_leave_type", Some(*leave_type_id))
            }
            HrEvent::LeaveRequested { request }
            | HrEvent::LeaveApproved { request }
            | HrEvent::LeaveRejected { request }
            | HrEvent::LeaveCancelled { request } => ("hr_leave_request", Some(request.id)),
            HrEvent::ShiftChanged { shift, .. } => ("hr_shift", Some(shift.id)),
            HrEvent::RosterPublished { .. } => ("hr_roster", None),
            HrEvent::DocumentUploaded { document } => ("hr_document", Some(document.id)),
            HrEvent::DocumentShared { document_id, .. }
            | HrEvent::DocumentDeleted { document_id, .. }
            | HrEvent::DocumentDownloaded { document_id, .. } => {
                ("hr_document", Some(*document_id))
            }
            HrEvent::HrAdminChanged { user_id, .. } => ("user", Some(*user_id)),
        }
    }

    /// The member the event is about, when it is about one (for visibility checks).
    pub fn member_id(&self) -> Option<i64> {
        match self {
            HrEvent::ClockedIn { entry } | HrEvent::ClockedOut { entry } => Some(entry.user_id),
            HrEvent::LeaveRequested { request }
            | HrEvent::LeaveApproved { request }
            | HrEvent::LeaveRejected { request }
            | HrEvent::LeaveCancelled { request } => Some(request.user_id),
            HrEvent::LeaveBalanceChanged { user_id, .. }
            | HrEvent::HrAdminChanged { user_id, .. } => Some(*user_id),
            HrEvent::ShiftChanged { shift, .. } => Some(shift.user_id),
            HrEvent::DocumentUploaded { document } => Some(document.owner_id),
            HrEvent::DocumentShared { owner_id, .. }
            | HrEvent::DocumentDeleted { owner_id, .. }
            | HrEvent::DocumentDownloaded { owner_id, .. } => Some(*owner_id),
            _ => None,
        }
    }
}
