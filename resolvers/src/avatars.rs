//! Avatars: the pictures of people, bots and chats.
//!
//! An avatar is an image (PNG, JPEG, GIF or WebP, recognised by its first bytes, never by
//! a client's file name or content type) of at most [`MAX_AVATAR_BYTES`], stored in the
//! file store under the workspace's `avatars` area with an unguessable name, and served
//! without a credential at `<public URL>/avatars/<workspace>/<name>` — like a CDN link:
//! an avatar is shown to everyone who sees its owner, and the 128-bit name cannot be
//! guessed. A new picture gets a new name (so clients may cache forever); the replaced
//! or removed picture's bytes are deleted once the change is committed.
//!
//! Who may change which picture is the rule of the owner's own edits: oneself
//! (`profile_avatar:write`), a workspace admin for anyone (`user_avatar:write`), a bot's
//! managers for the bot (`bots:write`), a chat's managers for a channel or group chat
//! (`chats:update`).

use bytes::Bytes;
use chrono::Utc;
use entities::{chats, users};
use sea_orm::{ActiveModelTrait, Set};

use crate::auth::Scope;
use crate::events::EventKind;
use crate::files::FileStore;
use crate::{Ctx, Error, Result};

/// The largest avatar accepted, in bytes.
pub const MAX_AVATAR_BYTES: usize = 5 * 1024 * 1024;

/// The route prefix avatars are served under.
pub const ROUTE: &str = "/avatars";

/// Whose picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AvatarOf {
    /// The caller's own.
    Me,
    /// A person's (admins).
    User(i64),
    /// A bot's (its managers).
    Bot(i64),
    /// A channel's or group chat's (its managers).
    Chat(i64),
}

/// The image kinds accepted, by signature: (extension, content type).
fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("png", "image/png"))
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(("jpg", "image/jpeg"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("gif", "image/gif"))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("webp", "image/webp"))
    } else {
        None
    }
}

/// The content type of a stored avatar's name (`<hex>.<ext>`), if it is one.
pub fn content_type(name: &str) -> Option<&'static str> {
    let (stem, ext) = name.split_once('.')?;
    if stem.len() != 32 || !stem.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match ext {
        "png" => Some("image/png"),
        "jpg" => Some("image/jpeg"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

/// The bytes and content type of a served avatar, or NOT_FOUND (`file`).
pub async fn serve(files: &FileStore, workspace_id: i64, name: &str) -> Result<(Bytes, String)> {
    let mime = content_type(name).ok_or(Error::NotFound("file"))?;
    let bytes = files
        .get(&FileStore::key(workspace_id, "avatars", name)?)
        .await?;
    Ok((bytes, mime.to_owned()))
}

fn url_of(ctx: &Ctx, name: &str) -> String {
    format!(
        "{}{ROUTE}/{}/{name}",
        ctx.env.public_url,
        ctx.workspace_id()
    )
}

/// The store key behind one of our own avatar URLs of this workspace, if `url` is one.
fn key_of(ctx: &Ctx, url: &str) -> Option<String> {
    let name = url.strip_prefix(&url_of(ctx, ""))?;
    content_type(name)?;
    FileStore::key(ctx.workspace_id(), "avatars", name).ok()
}

/// Check what the caller may change and return the current URL.
async fn authorize(ctx: &Ctx, of: AvatarOf) -> Result<Target> {
    Ok(match of {
        AvatarOf::Me => {
            ctx.require(Scope::ProfileAvatarWrite)?;
            Target::User(
                crate::people::find_user(&ctx.db, ctx.workspace_id(), ctx.user_id())
                    .await?
                    .ok_or(Error::NotFound("user"))?,
            )
        }
        AvatarOf::User(id) => {
            ctx.require(Scope::UserAvatarWrite)?;
            let user = crate::people::find_user(&ctx.db, ctx.workspace_id(), id)
                .await?
                .filter(|u| !u.is_bot)
                .ok_or(Error::NotFound("user"))?;
            if !ctx.principal.is_admin() || ctx.principal.is_bot {
                return Err(Error::Forbidden(
                    "only workspace admins change other people's avatars".into(),
                ));
            }
            Target::User(user)
        }
        AvatarOf::Bot(id) => {
            ctx.require(Scope::BotsWrite)?;
            Target::User(crate::integrations::bots::managed(ctx, id).await?.user)
        }
        AvatarOf::Chat(id) => Target::Chat(crate::chats::editable(ctx, id).await?),
    })
}

enum Target {
    User(users::Model),
    Chat(chats::Model),
}

impl Target {
    fn current(&self) -> Option<&str> {
        match self {
            Target::User(u) => u.avatar_url.as_deref(),
            Target::Chat(c) => c.avatar_url.as_deref(),
        }
    }
}

/// Replace a picture with `image`; returns its new URL. Not an image of a known kind →
/// INVALID (`image`); too large → LIMIT_EXCEEDED (`image`).
pub async fn set_avatar(ctx: &Ctx, of: AvatarOf, image: Bytes) -> Result<String> {
    if image.is_empty() {
        return Err(Error::invalid("image", "is empty"));
    }
    if image.len() > MAX_AVATAR_BYTES {
        return Err(Error::LimitExceeded {
            field: "image".into(),
            message: format!("must be at most {MAX_AVATAR_BYTES} bytes"),
        });
    }
    let (ext, _) = sniff(&image)
        .ok_or_else(|| Error::invalid("image", "must be a PNG, JPEG, GIF or WebP image"))?;
    let target = authorize(ctx, of).await?;
    ctx.env
        .rate
        .check(&ctx.principal, crate::rate::Category::Upload, None)?;
    let name = format!("{}.{ext}", crate::integrations::random_hex(16)?);
    let key = FileStore::key(ctx.workspace_id(), "avatars", &name)?;
    ctx.env.files.put(&key, image).await?;
    let url = url_of(ctx, &name);
    match save(ctx, target, Some(url.clone())).await {
        Ok(()) => Ok(url),
        Err(e) => {
            // The change did not happen: the new bytes are nobody's.
            let _ = ctx.env.files.delete(&key).await;
            Err(e)
        }
    }
}

/// Remove a picture (nothing to remove is fine).
pub async fn clear_avatar(ctx: &Ctx, of: AvatarOf) -> Result<()> {
    let target = authorize(ctx, of).await?;
    if target.current().is_none() {
        return Ok(());
    }
    save(ctx, target, None).await
}

/// Store the new URL and record the change; then drop the old picture's bytes.
async fn save(ctx: &Ctx, target: Target, url: Option<String>) -> Result<()> {
    let old = target.current().and_then(|u| key_of(ctx, u));
    let txn = ctx.write().await?;
    let event = match target {
        Target::User(user) => {
            let mut am: users::ActiveModel = user.into();
            am.avatar_url = Set(url);
            am.updated_at = Set(Utc::now());
            let user = am.update(&txn).await?;
            if user.is_bot {
                EventKind::BotChanged { bot_id: user.id }
            } else {
                EventKind::UserUpdated { user_id: user.id }
            }
        }
        Target::Chat(chat) => {
            let mut am: chats::ActiveModel = chat.into();
            am.avatar_url = Set(url);
            EventKind::ChatUpdated {
                chat: am.update(&txn).await?,
            }
        }
    };
    ctx.commit_one(txn, event).await?;
    if let Some(old) = old
        && let Err(e) = ctx.env.files.delete(&old).await
    {
        tracing::warn!(error = ?e, key = %old, "could not delete a replaced avatar");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{content_type, sniff};

    #[test]
    fn images_are_recognised_by_their_signature_only() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").map(|s| s.0), Some("png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0..").map(|s| s.0), Some("jpg"));
        assert_eq!(sniff(b"GIF89a...").map(|s| s.0), Some("gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").map(|s| s.0), Some("webp"));
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn only_our_own_names_are_served() {
        assert_eq!(
            content_type("0123456789abcdef0123456789abcdef.png"),
            Some("image/png")
        );
        assert_eq!(content_type("0123456789abcdef0123456789abcdef.svg"), None);
        assert_eq!(content_type("../x.png"), None);
        assert_eq!(content_type("short.png"), None);
    }
}
