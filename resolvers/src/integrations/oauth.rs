//! A bot's OAuth client: third-party apps acting for the people who authorize them
//! (OAuth 2.0 authorization code grant, RFC 6749 §4.1, with PKCE, RFC 7636).
//!
//! 1. A bot's managers configure the client (`oauth_client`: confidential or public,
//!    registered redirect URIs, the scopes it may ask for) and rotate its secret.
//! 2. A person, signed in to an app session, consents: [`authorize`] checks the client,
//!    the redirect URI (exactly one of the registered ones), the scopes (within the
//!    client's and the person's role's) and the PKCE challenge (S256; required for public
//!    clients), and returns a single-use code valid for [`CODE_TTL_MINUTES`].
//! 3. The app exchanges the code at `/oauth/token` ([`exchange`]): a confidential client
//!    authenticates with its secret, a public one proves the PKCE verifier. The result
//!    is an ordinary API token of the person, narrowed to the granted scopes and tagged
//!    with the client, plus a refresh token; the `refresh_token` grant rotates both.
//! 4. The app (or the person, by revoking the token) ends it; [`revoke`] follows
//!    RFC 7009: an unknown token is not an error.
//!
//! Errors carry OAuth's own codes as [`Error::Rule`] codes (`INVALID_GRANT`,
//! `INVALID_CLIENT`, …) so the token endpoint can answer in its dialect's shape.
//!
//! Written here rather than with an OAuth server crate: the whole server side is these
//! three operations over Switchboard's own token table, and the crates on offer keep
//! grants in their own stores, which would then have to be kept in step with ours.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use entities::{api_tokens, bots, oauth_codes, users};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use super::bots::{BotExtras, extras_of, hash_secret, split};
use crate::auth::Scopes;
use crate::ctx::{Credential, Principal};
use crate::events::EventKind;
use crate::people::role_of;
use crate::{Ctx, Error, Result};

/// How long an authorization code may be exchanged.
pub const CODE_TTL_MINUTES: i64 = 10;

fn oauth(code: &'static str, field: &str, message: impl Into<String>) -> Error {
    Error::Rule {
        code,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The settings of a bot's OAuth client (`oauth_client` on create and update).
#[derive(Clone, Debug, Default)]
pub struct OAuthClientInput {
    /// Whether the client keeps a secret (a server) or not (a mobile or browser app,
    /// which must then use PKCE). Default: confidential.
    pub confidential: Option<bool>,
    /// Where the authorization may send the person back (exact match).
    pub redirect_uris: Option<Vec<String>>,
    /// The scopes the client may ask for.
    pub scopes: Option<Vec<String>>,
}

/// The OAuth client as its managers see it.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    /// The public client id.
    pub client_id: String,
    /// The secret's first characters, once one was issued.
    pub client_secret_preview: String,
    /// Confidential (secret) or public (PKCE).
    pub confidential: bool,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Scopes the client may ask for.
    pub scopes: Vec<String>,
}

/// The client of a bot, when it has one enabled.
pub fn client_of(bot: &bots::Model) -> Option<OAuthClient> {
    let extras = extras_of(bot);
    extras.oauth_client_enabled.then(|| OAuthClient {
        client_id: bot.client_id.clone(),
        client_secret_preview: extras.oauth_secret_preview.clone().unwrap_or_default(),
        confidential: extras.oauth_confidential(),
        redirect_uris: extras.oauth_redirect_uris.clone(),
        scopes: extras.oauth_scopes.clone(),
    })
}

/// A redirect URI a client may register: absolute https, or http to a loopback host
/// (native apps, RFC 8252 §7.3); no fragment.
fn valid_redirect(uri: &str) -> Result<String> {
    let bad = |why: &str| Error::invalid("oauth_client.redirect_uris", format!("`{uri}` {why}"));
    if uri.len() > 2048 {
        return Err(bad("is longer than 2048 characters"));
    }
    let url = url::Url::parse(uri).map_err(|_| bad("is not an absolute URL"))?;
    if url.fragment().is_some() {
        return Err(bad("must not have a fragment"));
    }
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => Ok(uri.to_owned()),
        "http" if loopback => Ok(uri.to_owned()),
        _ => Err(bad("must be https (or http to a loopback address)")),
    }
}

/// Apply `input` to a bot's settings (validated); enables the client.
pub(crate) fn merge_client(extras: &mut BotExtras, input: &OAuthClientInput) -> Result<()> {
    if let Some(c) = input.confidential {
        extras.oauth_confidential = Some(c);
    }
    if let Some(uris) = &input.redirect_uris {
        if uris.len() > 20 {
            return Err(Error::invalid("oauth_client.redirect_uris", "at most 20"));
        }
        let mut out: Vec<String> = Vec::new();
        for uri in uris {
            let uri = valid_redirect(uri.trim())?;
            if !out.contains(&uri) {
                out.push(uri);
            }
        }
        extras.oauth_redirect_uris = out;
    }
    if let Some(scopes) = &input.scopes {
        extras.oauth_scopes = if scopes.is_empty() {
            Vec::new()
        } else {
            Scopes::parse_requested(
                scopes,
                crate::people::Role::Admin,
                false,
                "oauth_client.scopes",
            )?
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect()
        };
    }
    extras.oauth_client_enabled = true;
    Ok(())
}

/// What [`authorize`] needs: the app's request, as the consent screen received it.
#[derive(Clone, Debug, Default)]
pub struct AuthorizeInput {
    /// The client.
    pub client_id: String,
    /// One of the client's registered redirect URIs.
    pub redirect_uri: String,
    /// Scopes asked for (default: every scope of the client the person's role allows).
    pub scopes: Option<Vec<String>>,
    /// PKCE challenge: base64url SHA-256 of the verifier (43 characters).
    pub code_challenge: Option<String>,
    /// `S256` (the only method accepted).
    pub code_challenge_method: Option<String>,
}

/// A granted authorization: the code to hand back to the app.
#[derive(Clone, Debug)]
pub struct Authorization {
    /// The single-use code.
    pub code: String,
    /// The redirect URI it was granted for.
    pub redirect_uri: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// When the code stops being exchangeable.
    pub expires_at: chrono::DateTime<Utc>,
    /// The client's bot.
    pub bot_id: i64,
}

impl Authorization {
    /// Where to send the person back: the redirect URI with `code` (and `state`, the
    /// app's opaque value, when given) added to its query (RFC 6749 §4.1.2).
    pub fn redirect_to(&self, state: Option<&str>) -> String {
        match url::Url::parse(&self.redirect_uri) {
            Ok(mut url) => {
                url.query_pairs_mut().append_pair("code", &self.code);
                if let Some(state) = state {
                    url.query_pairs_mut().append_pair("state", state);
                }
                url.into()
            }
            Err(_) => self.redirect_uri.clone(),
        }
    }
}

async fn client_bot(db: &DatabaseConnection, client_id: &str) -> Result<Option<bots::Model>> {
    Ok(bots::Entity::find()
        .filter(bots::Column::ClientId.eq(client_id.trim()))
        .one(db)
        .await?
        .filter(|b| extras_of(b).oauth_client_enabled))
}

/// A person consents to a client acting for them (an app session only: an API token
/// cannot mint itself a broader one).
pub async fn authorize(ctx: &Ctx, input: AuthorizeInput) -> Result<Authorization> {
    if ctx.principal.is_bot || !matches!(ctx.principal.credential, Credential::Session) {
        return Err(Error::Forbidden(
            "authorizing an app takes a person's own app session".into(),
        ));
    }
    let bot = client_bot(&ctx.db, &input.client_id)
        .await?
        .filter(|b| b.workspace_id == ctx.workspace_id())
        .ok_or_else(|| Error::invalid("clientId", "no such OAuth client"))?;
    let extras = extras_of(&bot);
    if !extras.oauth_redirect_uris.contains(&input.redirect_uri) {
        return Err(Error::invalid(
            "redirectUri",
            "is not registered for this client",
        ));
    }
    let client_scopes = extras.oauth_scopes.clone();
    let wanted = match input.scopes {
        Some(list) if !list.is_empty() => list,
        _ => client_scopes.clone(),
    };
    if let Some(extra) = wanted
        .iter()
        .find(|s| !client_scopes.is_empty() && !client_scopes.contains(s))
    {
        return Err(Error::invalid(
            "scopes",
            format!("scope `{extra}` is not among the client's scopes"),
        ));
    }
    let role = ctx.principal.role;
    let granted = if wanted.is_empty() {
        Scopes::for_role(role, false)
    } else {
        Scopes::parse_requested(&wanted, role, false, "scopes")?
    };
    let challenge = match (input.code_challenge, input.code_challenge_method.as_deref()) {
        (None, _) if !extras.oauth_confidential() => {
            return Err(Error::invalid(
                "codeChallenge",
                "a public client must use PKCE",
            ));
        }
        (None, _) => None,
        (Some(c), None | Some("S256")) => {
            let ok = (43..=128).contains(&c.len())
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
            if !ok {
                return Err(Error::invalid(
                    "codeChallenge",
                    "must be the base64url SHA-256 of the verifier",
                ));
            }
            Some(c)
        }
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "codeChallengeMethod",
                "only S256 is supported",
            ));
        }
    };
    let code = format!("sboc_{}", super::random_hex(32)?);
    let now = Utc::now();
    let expires_at = now + Duration::minutes(CODE_TTL_MINUTES);
    let txn = ctx.write().await?;
    let row = oauth_codes::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        bot_id: Set(bot.user_id),
        user_id: Set(ctx.user_id()),
        code_hash: Set(hash_secret(&code)),
        redirect_uri: Set(input.redirect_uri.clone()),
        scopes: Set(granted.to_stored()),
        code_challenge: Set(challenge),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    ctx.commit_one(
        txn,
        EventKind::OAuthAuthorized {
            bot_id: bot.user_id,
            code_id: row.id,
        },
    )
    .await?;
    Ok(Authorization {
        code,
        redirect_uri: input.redirect_uri,
        scopes: split(&row.scopes),
        expires_at,
        bot_id: bot.user_id,
    })
}

/// The client's credentials as sent (form fields or HTTP Basic).
#[derive(Clone, Debug, Default)]
pub struct ClientAuth {
    /// `client_id`.
    pub client_id: Option<String>,
    /// `client_secret`.
    pub client_secret: Option<String>,
}

/// A `/oauth/token` request.
#[derive(Clone, Debug, Default)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    pub grant_type: String,
    /// The code (authorization_code).
    pub code: Option<String>,
    /// The redirect URI the code was granted for (authorization_code).
    pub redirect_uri: Option<String>,
    /// The PKCE verifier (authorization_code, when a challenge was sent).
    pub code_verifier: Option<String>,
    /// The refresh token (refresh_token).
    pub refresh_token: Option<String>,
    /// The client.
    pub client: ClientAuth,
}

/// An issued token pair.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// The access token (an API token of the person).
    pub access_token: String,
    /// Rotates the pair (`refresh_token` grant).
    pub refresh_token: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// Authenticate the client: known and enabled; a confidential client must present its
/// secret (a public one must not rely on one).
async fn client(db: &DatabaseConnection, auth: &ClientAuth) -> Result<bots::Model> {
    let invalid = || {
        oauth(
            "INVALID_CLIENT",
            "client_id",
            "unknown client or bad secret",
        )
    };
    let id = auth
        .client_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| oauth("INVALID_REQUEST", "client_id", "is required"))?;
    let bot = client_bot(db, id).await?.ok_or_else(invalid)?;
    let extras = extras_of(&bot);
    match (&auth.client_secret, &bot.client_secret_hash) {
        (Some(secret), Some(hash)) => {
            let given = hash_secret(secret);
            if !constant_time_eq(given.as_bytes(), hash.as_bytes()) {
                return Err(invalid());
            }
        }
        (Some(_), None) => return Err(invalid()),
        (None, _) if extras.oauth_confidential() => return Err(invalid()),
        (None, _) => {}
    }
    Ok(bot)
}

/// Whether `a` and `b` are equal, in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `/oauth/token`. `ctx_for` builds the context a token is issued in (the authorizing
/// person's; the endpoint itself has no credential).
pub async fn exchange(
    db: &DatabaseConnection,
    ctx_for: impl FnOnce(Principal) -> Ctx,
    req: TokenRequest,
) -> Result<IssuedToken> {
    match req.grant_type.as_str() {
        "authorization_code" => {
            let bot = client(db, &req.client).await?;
            let code = req
                .code
                .as_deref()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| oauth("INVALID_REQUEST", "code", "is required"))?;
            let redirect_uri = req
                .redirect_uri
                .as_deref()
                .ok_or_else(|| oauth("INVALID_REQUEST", "redirect_uri", "is required"))?;
            let bad_grant = |why: &str| oauth("INVALID_GRANT", "code", why);
            let row = oauth_codes::Entity::find()
                .filter(oauth_codes::Column::CodeHash.eq(hash_secret(code)))
                .one(db)
                .await?
                .ok_or_else(|| bad_grant("unknown code"))?;
            if row.bot_id != bot.user_id {
                return Err(bad_grant("the code was issued to another client"));
            }
            if row.used_at.is_some() || row.expires_at <= Utc::now() {
                return Err(bad_grant("the code has expired or was already used"));
            }
            if row.redirect_uri != redirect_uri {
                return Err(bad_grant("the code was issued for another redirect_uri"));
            }
            if let Some(challenge) = &row.code_challenge {
                let verifier = req
                    .code_verifier
                    .as_deref()
                    .ok_or_else(|| bad_grant("code_verifier is required"))?;
                let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                if !constant_time_eq(computed.as_bytes(), challenge.as_bytes()) {
                    return Err(bad_grant("code_verifier does not match"));
                }
            }
            let ctx = ctx_for(person(db, row.workspace_id, row.user_id).await?);
            issue(&ctx, &bot, &row.scopes, Spends::Code(row.id)).await
        }
        "refresh_token" => {
            let bot = client(db, &req.client).await?;
            let refresh = req
                .refresh_token
                .as_deref()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| oauth("INVALID_REQUEST", "refresh_token", "is required"))?;
            let bad_grant = || oauth("INVALID_GRANT", "refresh_token", "unknown or revoked");
            let row = api_tokens::Entity::find()
                .filter(api_tokens::Column::RefreshHash.eq(hash_secret(refresh)))
                .filter(api_tokens::Column::RevokedAt.is_null())
                .one(db)
                .await?
                .ok_or_else(bad_grant)?;
            if row.oauth_bot_id != Some(bot.user_id) {
                return Err(bad_grant());
            }
            let ctx = ctx_for(person(db, row.workspace_id, row.user_id).await?);
            issue(&ctx, &bot, &row.scopes, Spends::Token(row.id)).await
        }
        "" => Err(oauth("INVALID_REQUEST", "grant_type", "is required")),
        other => Err(oauth(
            "UNSUPPORTED_GRANT_TYPE",
            "grant_type",
            format!("`{other}` is not supported (authorization_code, refresh_token)"),
        )),
    }
}

/// The person a grant acts for (a suspended or removed person's grants are void).
async fn person(db: &DatabaseConnection, workspace_id: i64, user_id: i64) -> Result<Principal> {
    let user = users::Entity::find_by_id(user_id)
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .filter(|u| !u.suspended && u.deleted_at.is_none())
        .ok_or_else(|| oauth("INVALID_GRANT", "code", "the authorizing user is gone"))?;
    crate::auth::principal_for_user(user)
}

/// What an issuance uses up, in its own transaction: of two racing requests with one
/// code (or one refresh token) only one updates the row, and only it gets a token.
#[derive(Clone, Copy)]
enum Spends {
    /// An authorization code (`authorization_code`).
    Code(i64),
    /// The token a refresh replaces (`refresh_token`).
    Token(i64),
}

/// Issue a token pair for the context's person.
async fn issue(ctx: &Ctx, bot: &bots::Model, scopes: &str, spends: Spends) -> Result<IssuedToken> {
    // The role may have changed since the grant: never more than it allows now.
    let role = role_of(
        &users::Entity::find_by_id(ctx.user_id())
            .one(&ctx.db)
            .await?
            .ok_or(Error::NotFound("user"))?,
    )?;
    let scopes = Scopes::from_stored(scopes, role, false).to_stored();
    let access = crate::auth::mint_token()?;
    let refresh = format!("sbrt_{}", super::random_hex(32)?);
    let now = Utc::now();
    let bot_name = users::Entity::find_by_id(bot.user_id)
        .one(&ctx.db)
        .await?
        .map(|u| crate::people::display_name(&u))
        .unwrap_or_default();
    let txn = ctx.write().await?;
    let spent = match spends {
        Spends::Code(id) => {
            oauth_codes::Entity::update_many()
                .col_expr(oauth_codes::Column::UsedAt, Expr::value(now))
                .filter(oauth_codes::Column::Id.eq(id))
                .filter(oauth_codes::Column::UsedAt.is_null())
                .exec(&txn)
                .await?
                .rows_affected
        }
        Spends::Token(id) => {
            api_tokens::Entity::update_many()
                .col_expr(api_tokens::Column::RevokedAt, Expr::value(now))
                .filter(api_tokens::Column::Id.eq(id))
                .filter(api_tokens::Column::RevokedAt.is_null())
                .exec(&txn)
                .await?
                .rows_affected
        }
    };
    if spent != 1 {
        return Err(match spends {
            Spends::Code(_) => oauth(
                "INVALID_GRANT",
                "code",
                "the code has expired or was already used",
            ),
            Spends::Token(_) => oauth("INVALID_GRANT", "refresh_token", "unknown or revoked"),
        });
    }
    let row = api_tokens::ActiveModel {
        workspace_id: Set(bot.workspace_id),
        user_id: Set(ctx.user_id()),
        name: Set(format!("OAuth: {bot_name}").chars().take(255).collect()),
        prefix: Set(access.prefix),
        last_four: Set(access.last_four),
        token_hash: Set(access.hash),
        scopes: Set(scopes),
        expires_at: Set(None),
        revoked_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(now),
        oauth_bot_id: Set(Some(bot.user_id)),
        refresh_hash: Set(Some(hash_secret(&refresh))),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut events = Vec::new();
    if let Spends::Token(old) = spends {
        events.push(
            crate::events::record(
                &txn,
                ctx,
                EventKind::ApiTokenRevoked { token_id: old },
                None,
            )
            .await?,
        );
    }
    let created = EventKind::ApiTokenCreated {
        token_id: row.id,
        prefix: row.prefix.clone(),
    };
    events.push(crate::events::record(&txn, ctx, created, None).await?);
    ctx.commit(txn, events).await?;
    Ok(IssuedToken {
        access_token: access.token,
        refresh_token: refresh,
        scopes: split(&row.scopes),
        created_at: now.timestamp(),
    })
}

/// `/oauth/revoke` (RFC 7009): end an access or refresh token the client was issued.
/// A token unknown or already revoked is fine; another client's token is
/// `UNAUTHORIZED_CLIENT`.
pub async fn revoke(
    db: &DatabaseConnection,
    ctx_for: impl FnOnce(Principal) -> Ctx,
    client_auth: &ClientAuth,
    token: &str,
) -> Result<()> {
    let bot = client(db, client_auth).await?;
    if token.is_empty() {
        return Err(oauth("INVALID_REQUEST", "token", "is required"));
    }
    let hash = hash_secret(token);
    let row = api_tokens::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(api_tokens::Column::TokenHash.eq(hash.clone()))
                .add(api_tokens::Column::RefreshHash.eq(hash)),
        )
        .one(db)
        .await?;
    let Some(row) = row.filter(|r| r.revoked_at.is_none()) else {
        return Ok(());
    };
    if row.oauth_bot_id != Some(bot.user_id) {
        return Err(oauth(
            "UNAUTHORIZED_CLIENT",
            "token",
            "the token was issued to another client",
        ));
    }
    let Ok(principal) = person(db, row.workspace_id, row.user_id).await else {
        return Ok(());
    };
    let ctx = ctx_for(principal);
    let txn = ctx.write().await?;
    api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_tokens::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    ctx.commit_one(txn, EventKind::ApiTokenRevoked { token_id: row.id })
        .await?;
    Ok(())
}

/// How many people have a live token of each bot's client.
pub(crate) async fn authorized_users<C: sea_orm::ConnectionTrait>(
    db: &C,
    bot_ids: &[i64],
) -> Result<std::collections::HashMap<i64, i64>> {
    if bot_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Option<i64>, i64)> = api_tokens::Entity::find()
        .select_only()
        .column(api_tokens::Column::OauthBotId)
        .column_as(Expr::col(api_tokens::Column::UserId).count_distinct(), "n")
        .filter(api_tokens::Column::OauthBotId.is_in(bot_ids.iter().copied()))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .group_by(api_tokens::Column::OauthBotId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(bot, n)| Some((bot?, n)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::valid_redirect;

    #[test]
    fn redirect_uris_are_https_or_loopback_http_without_fragments() {
        assert!(valid_redirect("https://app.example.com/cb").is_ok());
        assert!(valid_redirect("http://127.0.0.1:8765/cb").is_ok());
        assert!(valid_redirect("http://localhost/cb").is_ok());
        assert!(valid_redirect("http://app.example.com/cb").is_err());
        assert!(valid_redirect("https://app.example.com/cb#x").is_err());
        assert!(valid_redirect("/cb").is_err());
        assert!(valid_redirect("javascript:alert(1)").is_err());
    }
}
