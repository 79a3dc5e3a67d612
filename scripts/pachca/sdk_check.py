#!/usr/bin/env python3
"""Drive every public method of the official Pachca Python client (`pachca-sdk==1.6.1`)
against a Switchboard server's Pachca façade and fail loudly on any mismatch.

    sdk_check.py --base-url http://127.0.0.1:PORT/api/shared/v1 --token sbt_...

Run it through `scripts/pachca-sdk`, which starts a fresh server (demo workspace, the
owner's admin token) and lets webhook URLs point at loopback: the check runs a small
local receiver for the export-ready webhook and the bots' outgoing URL.

Layout: a recorder under httpx keeps every HTTP exchange (so a failure prints the request
and the status and body Switchboard answered); a proxy on each service of `PachcaClient`
records which SDK method was called; one `async def area_*` per area of the API, made of
steps that name the SDK method they check. At the end: one line per public SDK method
(`ok`, or the failure), a summary `N methods, M ok, K failed`, exit 1 on any failure or
on any public method that was never called. The list of public methods comes from
introspecting the service classes, so a method cannot be skipped silently.
"""
from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import struct
import sys
import time
import traceback
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Awaitable, Callable

import httpx

from pachca.client import PachcaClient
from pachca.models import (
    AddMembersRequest,
    ApiError,
    AuditEventKey,
    BotCanEdit,
    BotCreateRequest,
    BotCreateRequestWebhook,
    BotEventName,
    BotOAuthClientRequest,
    BotTokenCreateRequest,
    BotTokenUpdateRequest,
    BotTriggerOn,
    BotUpdateRequest,
    BotUpdateRequestWebhook,
    BotWebhookSelfUpdateRequest,
    BotWebhookSelfUpdateRequestWebhook,
    BotWhoCanAdd,
    Button,
    ChatActivity,
    ChatAvailability,
    ChatCreateRequest,
    ChatCreateRequestChat,
    ChatMemberRole,
    ChatMemberRoleFilter,
    ChatSortField,
    ChatSubtype,
    ChatUpdateRequest,
    ChatUpdateRequestChat,
    DownloadFileParams,
    DraftCreateRequest,
    DraftCreateRequestDraft,
    DraftRepetitionInterval,
    DraftRepetitionRequest,
    DraftScheduleRequest,
    DraftType,
    DraftUpdateRequest,
    DraftUpdateRequestDraft,
    ExportRequest,
    FileTarget,
    FileType,
    FileUploadRequest,
    GetAuditEventsParams,
    GetTagUsersParams,
    GetWebhookEventsParams,
    GroupTagRequest,
    GroupTagRequestGroupTag,
    LinkPreview,
    LinkPreviewsRequest,
    ListBotsParams,
    ListBotTokensParams,
    ListChatMessagesParams,
    ListChatsParams,
    ListCompanyBotsParams,
    ListCompanyChatsParams,
    ListDraftsParams,
    ListMembersParams,
    ListPropertiesParams,
    ListReactionsParams,
    ListReadMembersParams,
    ListTagsParams,
    ListTasksParams,
    ListThreadsParams,
    ListUsersParams,
    MarkChatUnreadRequest,
    MessageCreateRequest,
    MessageCreateRequestFile,
    MessageCreateRequestMessage,
    MessageEntityType,
    MessageSearchSort,
    MessageSortField,
    MessageUpdateRequest,
    MessageUpdateRequestMessage,
    MessageWebhookPayload,
    OAuthError,
    OAuthRevokeRequest,
    OAuthTokenRequest,
    OAuthTokenTypeHint,
    OpenViewRequest,
    OpenViewRequestView,
    ReactionRequest,
    ReactionWebhookPayload,
    RemoveReactionParams,
    SearchChatsParams,
    SearchEntityType,
    SearchMessagesParams,
    SearchSortOrder,
    SearchUsersParams,
    SortOrder,
    StatusUpdateRequest,
    StatusUpdateRequestStatus,
    SubmitViewResponseRequest,
    TaskCreateRequest,
    TaskCreateRequestTask,
    TaskKind,
    TaskStatus,
    TaskUpdateRequest,
    TaskUpdateRequestTask,
    UserCreateRequest,
    UserCreateRequestUser,
    UserCreateRole,
    UserRole,
    UserRoleInput,
    UserUpdateRequest,
    UserUpdateRequestUser,
    ViewBlockHeader,
    ViewBlockInput,
    ViewBlockSelect,
    ViewBlockSelectOption,
    WebhookEvent,
)

# The services of PachcaClient, as its constructor names them.
SERVICES = [
    "bots", "chats", "common", "custom_properties", "drafts", "files", "group_tags",
    "link_previews", "members", "messages", "oauth", "profile", "reactions",
    "read_members", "search", "security", "tasks", "threads", "users", "views",
]

# Public methods that cannot run here, with the reason. Empty on purpose: everything the
# SDK offers is called below (the two that need a person or a click — exchange_token and
# open_view — are driven into their documented errors instead, see area_oauth and
# area_views). Add an entry only for a method that truly cannot run against a local server.
SKIP: dict[str, str] = {}

ALL_TIMEOUT = 20.0  # seconds a `*_all` helper or a poller may take before it counts as looping


# --------------------------------------------------------------------------------------
# Recording: HTTP exchanges, SDK calls, step outcomes
# --------------------------------------------------------------------------------------


@dataclass
class Exchange:
    method: str
    url: str
    request: str
    status: int
    body: bytes
    headers: dict[str, str]

    def line(self, limit: int = 600) -> str:
        url = httpx.URL(self.url)
        path = url.raw_path.decode()
        req = f" {self.request[:300]}" if self.request else ""
        body = self.body.decode("utf-8", "replace")
        if len(body) > limit:
            body = body[:limit] + "…"
        loc = f" Location: {self.headers.get('location')}" if self.status in (301, 302, 303, 307) else ""
        return f"{self.method} {path}{req} → {self.status}{loc} {body}".rstrip()


EXCHANGES: list[Exchange] = []
_original_send = httpx.AsyncHTTPTransport.handle_async_request


def _request_text(request: httpx.Request) -> str:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/"):
        return "<multipart>"
    try:
        raw = request.content
    except httpx.RequestNotRead:
        return "<stream>"
    return raw.decode("utf-8", "replace") if raw else ""


async def _recording_send(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
    response = await _original_send(self, request)
    await response.aread()
    EXCHANGES.append(
        Exchange(
            request.method,
            str(request.url),
            _request_text(request),
            response.status_code,
            response.content,
            {k.lower(): v for k, v in response.headers.items()},
        )
    )
    return response


# Every httpx client the SDK makes (the bearer one and the unauthenticated ones of
# upload_file and exchange_token) sends through AsyncHTTPTransport.
httpx.AsyncHTTPTransport.handle_async_request = _recording_send  # type: ignore[method-assign]


class Mismatch(AssertionError):
    """What came back is not what the SDK user was promised."""


class Abort(Exception):
    """A hard step failed: the rest of its area depends on it."""


@dataclass
class Failure:
    method: str
    what: str
    message: str
    exchange: Exchange | None


@dataclass
class Runner:
    calls: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    aborted: list[tuple[str, str]] = field(default_factory=list)  # (area, why it stopped)

    def wrap(self, client: PachcaClient) -> PachcaClient:
        for name in SERVICES:
            setattr(client, name, _Recorded(getattr(client, name), name, self))
        return client

    def step(self, method: str, what: str, hard: bool = False) -> "_Step":
        return _Step(self, method, what, hard)

    def fail(self, method: str, what: str, message: str, exchange: Exchange | None) -> None:
        self.failures.append(Failure(method, what, message, exchange))


class _Recorded:
    """Forwards to an SDK service and counts each public method call."""

    def __init__(self, service: Any, name: str, runner: Runner) -> None:
        self._service = service
        self._name = name
        self._runner = runner

    def __getattr__(self, attr: str) -> Any:
        target = getattr(self._service, attr)
        if attr.startswith("_") or not callable(target):
            return target
        full = f"{self._name}.{attr}"
        runner = self._runner

        if inspect.isasyncgenfunction(getattr(type(self._service), attr, None)):
            def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
                runner.calls[full] = runner.calls.get(full, 0) + 1
                return _tagged_gen(target(*args, **kwargs), full)
            return gen_wrapper

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            runner.calls[full] = runner.calls.get(full, 0) + 1
            start = len(EXCHANGES)
            try:
                return await target(*args, **kwargs)
            except Exception as exc:  # tag it: which SDK method raised, on which exchanges
                _tag(exc, full, start)
                raise
        return wrapper


def _tag(exc: BaseException, method: str, start: int) -> None:
    if getattr(exc, "_sdk_method", None) is None:
        try:
            exc._sdk_method = method  # type: ignore[attr-defined]
            exc._exchanges = EXCHANGES[start:]  # type: ignore[attr-defined]
        except Exception:
            pass


async def _tagged_gen(gen: Any, method: str) -> Any:
    start = len(EXCHANGES)
    try:
        async for item in gen:
            yield item
    except Exception as exc:
        _tag(exc, method, start)
        raise
    finally:
        await gen.aclose()


_OPEN: list["_Step"] = []  # the step being run (steps do not nest)


class _Step:
    """One check of one SDK method. Mismatches found with expect/eq/contains are recorded
    and the step goes on; an exception (an SDK error, a failed `need`, an SDK crash) ends
    the step. A hard step's failure also ends its area: later steps depend on it."""

    def __init__(self, runner: Runner, method: str, what: str, hard: bool) -> None:
        self.runner, self.method, self.what, self.hard = runner, method, what, hard
        self.mismatches: list[tuple[str, Exchange | None]] = []

    async def __aenter__(self) -> "_Step":
        self.start = len(EXCHANGES)
        _OPEN.append(self)
        return self

    async def __aexit__(self, et: Any, exc: BaseException | None, tb: Any) -> bool:
        _OPEN.remove(self)
        for message, exchange in self.mismatches:
            self.runner.fail(self.method, self.what, message, exchange)
        if exc is None or isinstance(exc, Abort) or not isinstance(exc, Exception):
            return False
        raised_by = getattr(exc, "_sdk_method", None)
        exchanges: list[Exchange] = getattr(exc, "_exchanges", None) or EXCHANGES[self.start:]
        exchange = exchanges[-1] if exchanges else None
        message = _describe(exc)
        if raised_by and raised_by != self.method:
            self.runner.fail(raised_by, self.what, message, exchange)
            self.runner.fail(self.method, self.what, f"blocked: {raised_by} failed ({message})", exchange)
        else:
            self.runner.fail(self.method, self.what, message, exchange)
        if self.hard:
            raise Abort(self.method) from exc
        return True


def _describe(exc: BaseException) -> str:
    if isinstance(exc, Mismatch):
        return str(exc)
    if isinstance(exc, ApiError):
        items = [f"{getattr(e, 'code', '?')}@{getattr(e, 'key', '?')}: {getattr(e, 'message', '')}" for e in (exc.errors or [])]
        return "ApiError " + "; ".join(items)
    if isinstance(exc, OAuthError):
        return f"OAuthError {exc.error}: {exc.error_description}"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out (the helper kept requesting pages: the cursor never reaches an end)"
    frames = traceback.extract_tb(exc.__traceback__)
    sdk_frames = [f for f in frames if "/pachca/" in f.filename]
    where = ""
    if sdk_frames:
        f = sdk_frames[-1]
        where = f" at pachca/{f.filename.rsplit('/pachca/', 1)[1]}:{f.lineno} `{(f.line or '').strip()}`"
    return f"{type(exc).__name__}: {exc}{where}"


# --------------------------------------------------------------------------------------
# Assertion helpers
# --------------------------------------------------------------------------------------


def _soft(message: str) -> None:
    if _OPEN:
        _OPEN[-1].mismatches.append((message, EXCHANGES[-1] if EXCHANGES else None))
    else:
        raise Mismatch(message)


def need(cond: Any, message: str) -> None:
    """A precondition of the rest of the step: stop the step when it does not hold."""
    if not cond:
        raise Mismatch(message)


def expect(cond: Any, message: str) -> None:
    if not cond:
        _soft(message)


def eq(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        _soft(f"{what}: got {actual!r}, expected {expected!r}")


def contains(items: list[Any], wanted: Any, what: str) -> None:
    if wanted not in items:
        _soft(f"{what}: {wanted!r} missing from {items!r}")


def ids(items: list[Any]) -> list[Any]:
    return [i.id for i in items]


def last_status(exc: BaseException) -> int | None:
    exchanges = getattr(exc, "_exchanges", None) or []
    return exchanges[-1].status if exchanges else None


async def expect_api_error(aw: Awaitable[Any], codes: set[str], status: int | None = None) -> ApiError:
    try:
        await aw
    except ApiError as e:
        got = [str(it.code) for it in e.errors]
        st = last_status(e)
        if not set(got) & codes:
            raise Mismatch(f"expected ApiError {sorted(codes)}, got ApiError {got} (HTTP {st})")
        if status is not None and st != status:
            raise Mismatch(f"expected HTTP {status} with ApiError {got}, got HTTP {st}")
        return e
    except OAuthError as e:
        raise Mismatch(f"expected ApiError {sorted(codes)}, got OAuthError {e.error} (HTTP {last_status(e)})")
    raise Mismatch(f"expected ApiError {sorted(codes)}, the call succeeded")


async def expect_oauth_error(aw: Awaitable[Any], codes: set[str], status: int | None = None) -> OAuthError:
    try:
        await aw
    except OAuthError as e:
        st = last_status(e)
        if str(e.error) not in codes:
            raise Mismatch(f"expected OAuthError {sorted(codes)}, got OAuthError {e.error} (HTTP {st})")
        if status is not None and st != status:
            raise Mismatch(f"expected HTTP {status} with OAuthError {e.error}, got HTTP {st}")
        return e
    except ApiError as e:
        got = [str(it.code) for it in e.errors]
        raise Mismatch(f"expected OAuthError {sorted(codes)}, got ApiError {got} (HTTP {last_status(e)})")
    raise Mismatch(f"expected OAuthError {sorted(codes)}, the call succeeded")


async def expect_not_found(aw: Awaitable[Any], extra: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    await expect_api_error(aw, {"not_found", *extra}, 404)


async def walk(aw: Awaitable[list[Any]], path_part: str, min_pages: int) -> list[Any]:
    """Run a `*_all` helper (bounded in time); check it fetched at least `min_pages` pages."""
    start = len(EXCHANGES)
    items = await asyncio.wait_for(aw, ALL_TIMEOUT)
    pages = [x for x in EXCHANGES[start:] if path_part in x.url and x.method == "GET"]
    expect(len(pages) >= min_pages, f"walked {len(pages)} page(s), expected at least {min_pages}")
    return items


def png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00\x2a\x7f\xd4\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


PNG = png_1x1()


# --------------------------------------------------------------------------------------
# A local webhook receiver (export-ready notices, bots' outgoing URL)
# --------------------------------------------------------------------------------------


class Receiver:
    def __init__(self) -> None:
        self.hits: list[tuple[str, dict[str, str], bytes]] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            lines = head.decode("latin-1").split("\r\n")
            _, path, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)}
            n = int(headers.get("content-length", "0") or 0)
            body = await asyncio.wait_for(reader.readexactly(n), 5) if n else b""
            self.hits.append((path, headers, body))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            await writer.drain()
        except Exception:
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        self.server.close()
        await self.server.wait_closed()


# --------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------


class Ctx:
    """What areas create and later areas use."""

    def __init__(self, base_url: str, token: str, runner: Runner, receiver: Receiver) -> None:
        self.base_url = base_url
        self.token = token
        self.R = runner
        self.rx = receiver
        self.tag = f"sdk{int(time.time()) % 1_000_000}"
        self.started = datetime.now(timezone.utc)
        self.clients: list[PachcaClient] = []
        self.A = self.client(token)  # the workspace owner's admin token
        self.me: Any = None
        self.users: list[Any] = []
        self.bot: Any = None  # BotCreateResponse of the main bot (events history on)
        self.B: PachcaClient | None = None  # the main bot's client
        self.chat: Any = None  # the main chat: owner, two users, the main bot
        self.tag_ids: list[int] = []
        self.messages: list[Any] = []

    def client(self, token: str) -> PachcaClient:
        c = self.R.wrap(PachcaClient(token, base_url=self.base_url))
        self.clients.append(c)
        return c

    async def close(self) -> None:
        for c in self.clients:
            await c.close()


async def area_errors(x: Ctx) -> None:
    R, A = x.R, x.A
    async with R.step("profile.get_profile", "a bad token → 401 OAuthError invalid_token"):
        bad = x.client("sbt_" + "0" * 64)
        await expect_oauth_error(bad.profile.get_profile(), {"invalid_token"}, 401)
    async with R.step("users.get_user", "a missing id → 404 ApiError not_found"):
        await expect_not_found(A.users.get_user(987654321))
    async with R.step("chats.get_chat", "a missing chat → 404 ApiError not_found"):
        await expect_not_found(A.chats.get_chat(987654321))
    async with R.step("group_tags.create_tag", "a blank tag name → 422 ApiError blank"):
        await expect_api_error(
            A.group_tags.create_tag(GroupTagRequest(group_tag=GroupTagRequestGroupTag(name=""))), {"blank"}, 422
        )
    async with R.step("users.list_users", "limit out of range → 400 ApiError on key `limit`"):
        e = await expect_api_error(A.users.list_users(ListUsersParams(limit=51)), {"invalid", "inclusion", "wrong_params"}, 400)
        eq(e.errors[0].key, "limit", "error key")


async def area_profile(x: Ctx) -> None:
    R, A = x.R, x.A
    async with R.step("profile.get_profile", "the owner's profile", hard=True):
        x.me = await A.profile.get_profile()
        eq(x.me.role, UserRole.ADMIN, "profile role")
        expect(x.me.email, "profile email is empty")
        expect(not x.me.bot, "profile says bot")
    for svc in ("profile", "oauth"):
        async with R.step(f"{svc}.get_token_info", "token info of the admin token"):
            info = await getattr(A, svc).get_token_info()
            eq(info.user_id, x.me.id, "token user_id")
            eq(info.token, f"{x.token[:8]}...{x.token[-4:]}", "masked token")
            expect(info.scopes, "token info lists no scopes")
            expect(info.revoked_at is None, "token reported revoked")
    async with R.step("profile.get_status", "no status yet → None"):
        await A.profile.delete_status()
        eq(await A.profile.get_status(), None, "status before any is set")
    expires = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    async with R.step("profile.update_status", "set the owner's status"):
        st = await A.profile.update_status(
            StatusUpdateRequest(
                status=StatusUpdateRequestStatus(emoji="🎯", title="SDK check", expires_at=expires, is_away=True, away_message="Back soon")
            )
        )
        eq((st.emoji, st.title, st.is_away), ("🎯", "SDK check", True), "status emoji/title/is_away")
        eq(st.expires_at, expires, "status expires_at")
        eq(st.away_message and st.away_message.text, "Back soon", "status away_message.text")
    async with R.step("profile.get_status", "read the status back"):
        st = await A.profile.get_status()
        need(st is not None, "status is None after update")
        eq((st.emoji, st.title, st.is_away, st.expires_at), ("🎯", "SDK check", True, expires), "status")
    async with R.step("profile.delete_status", "delete → get_status is None"):
        await A.profile.delete_status()
        eq(await A.profile.get_status(), None, "status after delete")
    async with R.step("profile.update_profile_avatar", "upload a PNG avatar"):
        av = await A.profile.update_profile_avatar(PNG)
        expect(av.image_url, "empty image_url")
        eq((await A.profile.get_profile()).image_url, av.image_url, "profile image_url after upload")
    async with R.step("profile.delete_profile_avatar", "delete → image_url null"):
        await A.profile.delete_profile_avatar()
        eq((await A.profile.get_profile()).image_url, None, "profile image_url after delete")


async def area_users(x: Ctx) -> None:
    R, A, tag = x.R, x.A, x.tag
    async with R.step("users.create_user", "create five employees", hard=True):
        for i in range(5):
            req = UserCreateRequest(
                user=UserCreateRequestUser(
                    email=f"{tag}-{i}@demo.test",
                    first_name=f"Sdk{i}",
                    last_name=f"Checker{tag}",
                    nickname=f"{tag}_{i}",
                    department="QA",
                    title="Tester",
                    role=UserCreateRole.USER,
                    phone_number=f"+7900000{i:04d}",
                ),
                skip_email_notify=True,
            )
            u = await A.users.create_user(req)
            eq((u.email, u.first_name, u.last_name, u.nickname), (req.user.email, req.user.first_name, req.user.last_name, req.user.nickname), "created user fields")
            eq((u.department, u.title, u.role, u.bot, u.suspended), ("QA", "Tester", UserRole.USER, False, False), "created user department/title/role/bot/suspended")
            x.users.append(u)
    async with R.step("users.create_user", "a taken email → ApiError taken/already_exists"):
        await expect_api_error(
            A.users.create_user(UserCreateRequest(user=UserCreateRequestUser(email=x.users[0].email), skip_email_notify=True)),
            {"taken", "already_exists"},
        )
    u0 = x.users[0]
    async with R.step("users.get_user", "read a created user back"):
        got = await A.users.get_user(u0.id)
        eq((got.id, got.email, got.nickname, got.last_name), (u0.id, u0.email, u0.nickname, u0.last_name), "get_user")
    async with R.step("users.update_user", "rename, retitle, change the role"):
        up = await A.users.update_user(
            u0.id, UserUpdateRequest(user=UserUpdateRequestUser(first_name="Renamed", title="Lead", role=UserRoleInput.ADMIN))
        )
        eq((up.id, up.first_name, up.title, up.role), (u0.id, "Renamed", "Lead", UserRole.ADMIN), "updated user")
        eq((await A.users.get_user(u0.id)).first_name, "Renamed", "first_name after update")
        up = await A.users.update_user(u0.id, UserUpdateRequest(user=UserUpdateRequestUser(role=UserRoleInput.USER)))
        eq(up.role, UserRole.USER, "role back to user")
    async with R.step("users.list_users", "first page with limit 2"):
        page = await A.users.list_users(ListUsersParams(limit=2))
        eq(len(page.data), 2, "page size")
        expect(page.meta.paginate.has_next is True, f"has_next on a first page of 2: {page.meta.paginate}")
        expect(isinstance(page.meta.paginate.next_page, str), "next_page is not a string")
    async with R.step("users.list_users", "query by the shared last name"):
        found = await A.users.list_users(ListUsersParams(query=f"Checker{tag}"))
        eq(sorted(ids(found.data)), sorted(ids(x.users)), "users found by query")
    async with R.step("users.list_users_all", "walk all users 2 per page"):
        everyone = await walk(A.users.list_users_all(ListUsersParams(limit=2)), "/users", 3)
        for u in x.users:
            contains(ids(everyone), u.id, "list_users_all")
        eq(len(ids(everyone)), len(set(ids(everyone))), "list_users_all has no duplicates")
    u1 = x.users[1]
    async with R.step("users.get_user_status", "no status → None"):
        eq(await A.users.get_user_status(u1.id), None, "user status before any")
    async with R.step("users.update_user_status", "set a user's status"):
        st = await A.users.update_user_status(
            u1.id, StatusUpdateRequest(status=StatusUpdateRequestStatus(emoji="🏖", title="Vacation", is_away=False))
        )
        eq((st.emoji, st.title, st.is_away, st.away_message), ("🏖", "Vacation", False, None), "user status")
        st = await A.users.get_user_status(u1.id)
        eq((st.emoji, st.title), ("🏖", "Vacation"), "user status read back")
    async with R.step("users.delete_user_status", "delete → None"):
        await A.users.delete_user_status(u1.id)
        eq(await A.users.get_user_status(u1.id), None, "user status after delete")
    async with R.step("users.update_user_avatar", "upload a user's avatar"):
        av = await A.users.update_user_avatar(u1.id, PNG)
        expect(av.image_url, "empty image_url")
        eq((await A.users.get_user(u1.id)).image_url, av.image_url, "user image_url after upload")
    async with R.step("users.delete_user_avatar", "delete → image_url null"):
        await A.users.delete_user_avatar(u1.id)
        eq((await A.users.get_user(u1.id)).image_url, None, "user image_url after delete")
    async with R.step("users.update_user", "suspend and reactivate"):
        up = await A.users.update_user(x.users[4].id, UserUpdateRequest(user=UserUpdateRequestUser(suspended=True)))
        eq(up.suspended, True, "suspended")
        up = await A.users.update_user(x.users[4].id, UserUpdateRequest(user=UserUpdateRequestUser(suspended=False)))
        eq(up.suspended, False, "reactivated")
    async with R.step("users.delete_user", "delete → get_user not_found"):
        victim = await A.users.create_user(
            UserCreateRequest(user=UserCreateRequestUser(email=f"{tag}-gone@demo.test", first_name="Gone"), skip_email_notify=True)
        )
        await A.users.delete_user(victim.id)
        await expect_not_found(A.users.get_user(victim.id))


async def area_group_tags(x: Ctx) -> None:
    R, A, tag = x.R, x.A, x.tag
    tags: list[Any] = []
    async with R.step("group_tags.create_tag", "create three tags", hard=True):
        for i in range(3):
            t = await A.group_tags.create_tag(GroupTagRequest(group_tag=GroupTagRequestGroupTag(name=f"{tag}-team-{i}")))
            eq((t.name, t.users_count), (f"{tag}-team-{i}", 0), "created tag")
            tags.append(t)
        x.tag_ids = ids(tags)
    async with R.step("group_tags.create_tag", "a taken tag name → ApiError taken/already_exists"):
        await expect_api_error(
            A.group_tags.create_tag(GroupTagRequest(group_tag=GroupTagRequestGroupTag(name=tags[0].name))), {"taken", "already_exists"}
        )
    async with R.step("group_tags.get_tag", "read a tag back"):
        t = await A.group_tags.get_tag(tags[0].id)
        eq((t.id, t.name, t.users_count), (tags[0].id, tags[0].name, 0), "get_tag")
    async with R.step("group_tags.update_tag", "rename a tag"):
        t = await A.group_tags.update_tag(tags[2].id, GroupTagRequest(group_tag=GroupTagRequestGroupTag(name=f"{tag}-renamed")))
        eq((t.id, t.name), (tags[2].id, f"{tag}-renamed"), "renamed tag")
        eq((await A.group_tags.get_tag(tags[2].id)).name, f"{tag}-renamed", "name after rename")
    async with R.step("group_tags.list_tags", "filter by names[]"):
        page = await A.group_tags.list_tags(ListTagsParams(names=[tags[0].name, tags[1].name]))
        eq(sorted(ids(page.data)), sorted(ids(tags[:2])), "tags filtered by names[]")
    async with R.step("group_tags.list_tags_all", "walk all tags one per page"):
        every = await walk(A.group_tags.list_tags_all(ListTagsParams(limit=1)), "/group_tags", 3)
        for t in tags:
            contains(ids(every), t.id, "list_tags_all")
    async with R.step("users.update_user", "put two users into a tag through list_tags"):
        for u in x.users[:2]:
            up = await A.users.update_user(u.id, UserUpdateRequest(user=UserUpdateRequestUser(list_tags=[tags[0].name])))
            eq(up.list_tags, [tags[0].name], "user list_tags")
    async with R.step("group_tags.get_tag_users", "members of a tag"):
        page = await A.group_tags.get_tag_users(tags[0].id, GetTagUsersParams(limit=1))
        eq(len(page.data), 1, "first page of tag users with limit 1")
        eq((await A.group_tags.get_tag(tags[0].id)).users_count, 2, "users_count")
    async with R.step("group_tags.get_tag_users_all", "walk tag users one per page"):
        members = await walk(A.group_tags.get_tag_users_all(tags[0].id, GetTagUsersParams(limit=1)), "/users", 2)
        eq(sorted(ids(members)), sorted(ids(x.users[:2])), "tag users")
    async with R.step("group_tags.delete_tag", "delete → get_tag not_found"):
        gone = await A.group_tags.create_tag(GroupTagRequest(group_tag=GroupTagRequestGroupTag(name=f"{tag}-gone")))
        await A.group_tags.delete_tag(gone.id)
        await expect_not_found(A.group_tags.get_tag(gone.id))


BOT_EVENTS = [
    BotEventName.MESSAGE_NEW, BotEventName.MESSAGE_UPDATE, BotEventName.MESSAGE_DELETE,
    BotEventName.REACTION_NEW, BotEventName.REACTION_DELETE, BotEventName.BUTTON_CLICK,
    BotEventName.CHAT_MEMBER_ADD, BotEventName.CHAT_MEMBER_REMOVE, BotEventName.MESSAGE_LINK_SHARED,
]


async def area_bots(x: Ctx) -> None:
    R, A, tag = x.R, x.A, x.tag
    async with R.step("bots.create_bot", "the main bot: all messages, events history on", hard=True):
        req = BotCreateRequest(
            webhook=BotCreateRequestWebhook(
                name=f"SDK bot {tag}",
                nickname=f"{tag}_bot",
                events=BOT_EVENTS,
                trigger_on=BotTriggerOn.ALL_MESSAGES,
                commands=["/sdk"],
                events_history_enabled=True,
                who_can_add=BotWhoCanAdd.CREATOR_ADMIN,
                unfurl_domains=["sdk.example.test"],
            )
        )
        b = await A.bots.create_bot(req)
        need(b.access_token, "create_bot returned no access_token")
        x.bot = b
        x.B = x.client(b.access_token)
        eq((b.name, b.nickname, b.creator_id), (req.webhook.name, req.webhook.nickname, x.me.id), "bot name/nickname/creator_id")
        eq((b.webhook.name, b.webhook.nickname, b.webhook.trigger_on, b.webhook.commands), (req.webhook.name, req.webhook.nickname, BotTriggerOn.ALL_MESSAGES, ["/sdk"]), "bot webhook")
        eq(sorted(b.webhook.events), sorted(BOT_EVENTS), "bot webhook events")
        eq((b.webhook.events_history_enabled, b.webhook.who_can_add), (True, BotWhoCanAdd.CREATOR_ADMIN), "events_history_enabled/who_can_add")
        eq(b.webhook.unfurl_domains, ["sdk.example.test"], "unfurl_domains")
    async with R.step("bots.get_bot", "read the bot back"):
        g = await A.bots.get_bot(x.bot.id)
        eq((g.id, g.name, g.nickname, g.webhook.events_history_enabled), (x.bot.id, x.bot.name, x.bot.nickname, True), "get_bot")
    async with R.step("profile.get_profile", "the bot token acts as the bot user"):
        p = await x.B.profile.get_profile()
        eq((p.id, p.bot, p.nickname), (x.bot.id, True, x.bot.nickname), "bot profile id/bot/nickname")

    # A second bot with an OAuth client, for the calls that change settings and tokens.
    async with R.step("bots.create_bot", "a second bot with an OAuth client", hard=True):
        b2 = await A.bots.create_bot(
            BotCreateRequest(
                webhook=BotCreateRequestWebhook(name=f"SDK helper {tag}", nickname=f"{tag}_helper"),
                oauth_client=BotOAuthClientRequest(
                    confidential=True, redirect_uris=["https://app.example.test/callback"], scopes=["messages:read", "users:read"]
                ),
            )
        )
        x.bot2 = b2
        eq(b2.oauth_client_enabled, True, "oauth_client_enabled")
        need(b2.oauth_client is not None, "oauth_client missing")
        eq(b2.oauth_client.redirect_uris, ["https://app.example.test/callback"], "oauth_client.redirect_uris")
        eq(sorted(b2.oauth_client.scopes), ["messages:read", "users:read"], "oauth_client.scopes")
    async with R.step("bots.list_bots", "first page with limit 1"):
        page = await A.bots.list_bots(ListBotsParams(limit=1))
        eq(len(page.data), 1, "page size")
        eq(page.meta.paginate.has_next, True, "has_next with two bots and limit 1")
    async with R.step("bots.list_bots_all", "walk bots one per page"):
        every = await walk(A.bots.list_bots_all(ListBotsParams(limit=1)), "/bots", 2)
        contains(ids(every), x.bot.id, "list_bots_all")
        contains(ids(every), b2.id, "list_bots_all")
    async with R.step("bots.list_company_bots", "company bots, limit 1"):
        page = await A.bots.list_company_bots(ListCompanyBotsParams(limit=1))
        eq(len(page.data), 1, "page size")
        eq(page.meta.paginate.has_next, True, "has_next")
    async with R.step("bots.list_company_bots_all", "walk company bots one per page"):
        every = await walk(A.bots.list_company_bots_all(ListCompanyBotsParams(limit=1)), "/company/bots", 2)
        by_id = {c.id: c for c in every}
        contains(list(by_id), x.bot.id, "list_company_bots_all")
        contains(list(by_id), b2.id, "list_company_bots_all")
        if x.bot.id in by_id:
            eq(by_id[x.bot.id].webhook.nickname, x.bot.nickname, "company bot nickname")
    async with R.step("bots.get_bot_scopes", "the scope catalog"):
        cat = await A.bots.get_bot_scopes(x.bot.id)
        need(cat.scopes and cat.groups and cat.presets, "empty catalog")
        groups = {g.id for g in cat.groups}
        presets = {p.id for p in cat.presets}
        for sc in cat.scopes:
            contains(sorted(groups), sc.group, f"group of scope {sc.id}")
            for pr in sc.preset:
                contains(sorted(presets), pr, f"preset of scope {sc.id}")
        contains([sc.id for sc in cat.scopes], "messages:read", "catalog scopes")
    async with R.step("bots.update_bot", "rename and change commands"):
        up = await A.bots.update_bot(
            b2.id, BotUpdateRequest(webhook=BotUpdateRequestWebhook(name=f"SDK helper 2 {tag}", commands=["/help", "/run"], can_edit=[BotCanEdit.ADMIN]))
        )
        eq((up.id, up.name, up.webhook.name, up.webhook.commands), (b2.id, f"SDK helper 2 {tag}", f"SDK helper 2 {tag}", ["/help", "/run"]), "updated bot")
        eq((await A.bots.get_bot(b2.id)).webhook.commands, ["/help", "/run"], "commands after update")
    async with R.step("bots.update_bot_avatar", "upload a bot avatar"):
        av = await A.bots.update_bot_avatar(b2.id, PNG)
        expect(av.image_url, "empty image_url")
        eq((await A.bots.get_bot(b2.id)).avatar_url, av.image_url, "bot avatar_url after upload")
    async with R.step("bots.delete_bot_avatar", "delete → avatar_url null"):
        await A.bots.delete_bot_avatar(b2.id)
        eq((await A.bots.get_bot(b2.id)).avatar_url, None, "bot avatar_url after delete")
    async with R.step("bots.rotate_bot_client_secret", "rotate the OAuth client secret"):
        rot = await A.bots.rotate_bot_client_secret(b2.id)
        eq(rot.id, b2.id, "rotated bot id")
        need(rot.client_secret, "no client_secret after rotation")
        need(rot.oauth_client is not None, "oauth_client missing after rotation")
        expect(rot.client_secret != b2.client_secret, "the rotated secret equals the one issued at creation")
        preview = rot.oauth_client.client_secret_preview
        expect(preview and preview != rot.client_secret, f"client_secret_preview empty or unmasked: {preview!r}")
        eq((await A.bots.get_bot(b2.id)).client_secret, None, "get_bot shows no client_secret")


async def area_bot_tokens(x: Ctx) -> None:
    R, A, b2 = x.R, x.A, x.bot2
    async with R.step("bots.create_bot_token", "issue a named, scoped token", hard=True):
        t1 = await A.bots.create_bot_token(b2.id, BotTokenCreateRequest(name="ci", scopes=["messages:read", "chats:read"]))
        t1_client = x.client(t1.token)
        eq((t1.name, sorted(t1.scopes), t1.user_id), ("ci", ["chats:read", "messages:read"], b2.id), "created token")
        expect("..." not in t1.token, f"the created token is masked: {t1.token!r}")
        eq((await t1_client.oauth.get_token_info()).user_id, b2.id, "new token acts as the bot")
        t2 = await A.bots.create_bot_token(b2.id, BotTokenCreateRequest(name="spare"))
    async with R.step("bots.list_bot_tokens", "tokens, limit 1"):
        page = await A.bots.list_bot_tokens(b2.id, ListBotTokensParams(limit=1))
        eq(len(page.data), 1, "page size")
        eq(page.meta.paginate.has_next, True, "has_next")
    async with R.step("bots.list_bot_tokens_all", "walk tokens one per page"):
        toks = await walk(A.bots.list_bot_tokens_all(b2.id, ListBotTokensParams(limit=1)), "/tokens", 3)
        contains(ids(toks), t1.id, "list_bot_tokens_all")
        contains(ids(toks), t2.id, "list_bot_tokens_all")
        for t in toks:
            expect(t.token != t1.token and t.token != t2.token, f"a listed token shows its full value: {t.token!r}")
    async with R.step("bots.update_bot_token", "rename and rescope"):
        up = await A.bots.update_bot_token(b2.id, t1.id, BotTokenUpdateRequest(name="ci-2", scopes=["messages:read"]))
        eq((up.id, up.name, up.scopes), (t1.id, "ci-2", ["messages:read"]), "updated token")
    async with R.step("bots.reissue_bot_token", "reissue → new value, old one dead"):
        re = await A.bots.reissue_bot_token(b2.id, t1.id)
        eq((re.id, re.name), (t1.id, "ci-2"), "reissued token id/name")
        need(re.token != t1.token, "reissued token has the old value")
        await expect_oauth_error(t1_client.oauth.get_token_info(), {"invalid_token"}, 401)
        eq((await x.client(re.token).oauth.get_token_info()).user_id, b2.id, "reissued token works")
    async with R.step("bots.delete_bot_token", "delete → gone from the list, dead"):
        await A.bots.delete_bot_token(b2.id, t2.id)
        left = await A.bots.list_bot_tokens(b2.id)
        expect(t2.id not in ids(left.data), "deleted token still listed")
        await expect_oauth_error(x.client(t2.token).profile.get_profile(), {"invalid_token"}, 401)


async def area_bot_self(x: Ctx) -> None:
    R, A, b2 = x.R, x.A, x.bot2
    token = b2.access_token
    async with R.step("bots.recreate_bot_token", "recreate the bot's main token"):
        rc = await A.bots.recreate_bot_token(b2.id)
        eq(rc.id, b2.id, "recreated bot id")
        need(rc.access_token and rc.access_token != b2.access_token, "no new access_token")
        await expect_oauth_error(x.client(b2.access_token).profile.get_profile(), {"invalid_token"}, 401)
        token = rc.access_token
        eq((await x.client(token).profile.get_profile()).id, b2.id, "new main token works")
    async with R.step("bots.self_update_bot_webhook", "the bot sets its own outgoing URL"):
        me = await x.client(token).bots.self_update_bot_webhook(
            BotWebhookSelfUpdateRequest(webhook=BotWebhookSelfUpdateRequestWebhook(outgoing_url=x.rx.url("/bot2")))
        )
        eq((me.id, me.webhook.outgoing_url, me.webhook.name), (b2.id, x.rx.url("/bot2"), f"SDK helper 2 {x.tag}"), "self webhook")
        eq((await A.bots.get_bot(b2.id)).webhook.outgoing_url, x.rx.url("/bot2"), "outgoing_url seen by the admin")
    async with R.step("bots.self_update_bot_webhook", "an admin token is not a bot → 403"):
        try:
            await A.bots.self_update_bot_webhook(
                BotWebhookSelfUpdateRequest(webhook=BotWebhookSelfUpdateRequestWebhook(outgoing_url=x.rx.url("/nope")))
            )
            raise Mismatch("an admin token changed a bot's webhook through /bot/webhook")
        except (ApiError, OAuthError) as e:
            expect(last_status(e) == 403, f"HTTP {last_status(e)}")
    async with R.step("bots.self_recreate_bot_token", "the bot rotates its own token"):
        sr = await x.client(token).bots.self_recreate_bot_token()
        eq((sr.id, sr.webhook.outgoing_url), (b2.id, x.rx.url("/bot2")), "self recreate id/webhook")
        need(sr.access_token and sr.access_token != token, "no new access_token")
        await expect_oauth_error(x.client(token).profile.get_profile(), {"invalid_token"}, 401)
        token = sr.access_token
        eq((await x.client(token).profile.get_profile()).id, b2.id, "self-recreated token works")
    async with R.step("bots.delete_bot", "delete → get_bot not_found, token dead"):
        await A.bots.delete_bot(b2.id)
        await expect_not_found(A.bots.get_bot(b2.id))
        await expect_oauth_error(x.client(token).profile.get_profile(), {"invalid_token"}, 401)


async def area_chats(x: Ctx) -> None:
    R, A, tag = x.R, x.A, x.tag
    users = x.users
    chats: list[Any] = []
    async with R.step("chats.create_chat", "a private chat with two users, the bot and one missing id", hard=True):
        res = await A.chats.create_chat(
            ChatCreateRequest(chat=ChatCreateRequestChat(name=f"{tag} main", member_ids=[users[0].id, users[1].id, x.bot.id, 987654321]))
        )
        c = res.data
        x.chat = c
        chats.append(c)
        eq((c.name, c.channel, c.public, c.personal, c.archived, c.owner_id), (f"{tag} main", False, False, False, False, x.me.id), "created chat")
        eq(sorted(c.member_ids), sorted([x.me.id, users[0].id, users[1].id, x.bot.id]), "member_ids")
        eq(res.meta.not_found_member_ids, [987654321], "meta.not_found_member_ids")
        expect(c.meet_room_url, "meet_room_url empty")
    async with R.step("chats.create_chat", "a public channel and two more chats", hard=True):
        ch = (await A.chats.create_chat(
            ChatCreateRequest(chat=ChatCreateRequestChat(name=f"{tag} channel", channel=True, public=True, member_ids=[users[2].id]))
        )).data
        chats.append(ch)
        for i in range(2):
            chats.append((await A.chats.create_chat(ChatCreateRequest(chat=ChatCreateRequestChat(name=f"{tag} extra {i}")))).data)
        x.chats = chats
        eq((ch.channel, ch.public), (True, True), "channel/public")
        eq(chats[-1].member_ids, [x.me.id], "a chat without members has only its owner")
    async with R.step("chats.get_chat", "read a chat back"):
        g = await A.chats.get_chat(x.chat.id)
        eq((g.id, g.name, sorted(g.member_ids), g.public), (x.chat.id, x.chat.name, sorted(x.chat.member_ids), False), "get_chat")
    async with R.step("chats.update_chat", "rename and make public"):
        up = await A.chats.update_chat(chats[2].id, ChatUpdateRequest(chat=ChatUpdateRequestChat(name=f"{tag} renamed", public=True)))
        eq((up.id, up.name, up.public), (chats[2].id, f"{tag} renamed", True), "updated chat")
        eq((await A.chats.get_chat(chats[2].id)).name, f"{tag} renamed", "name after update")
    async with R.step("chats.list_chats", "sort by id ascending, limit 2"):
        page = await A.chats.list_chats(ListChatsParams(sort=ChatSortField.ID, order=SortOrder.ASC, limit=2))
        eq(len(page.data), 2, "page size")
        got = ids(page.data)
        eq(got, sorted(got), "ascending ids")
        eq(page.meta.paginate.has_next, True, "has_next")
    async with R.step("chats.list_chats", "availability=public sees the public channel"):
        page = await A.chats.list_chats(ListChatsParams(availability=ChatAvailability.PUBLIC, limit=50))
        contains(ids(page.data), chats[1].id, "public chats")
        expect(x.chat.id not in ids(page.data), "a private chat listed as public")
    async with R.step("chats.list_chats_all", "walk chats two per page"):
        every = await walk(A.chats.list_chats_all(ListChatsParams(limit=2)), "/chats", 3)
        for c in chats:
            contains(ids(every), c.id, "list_chats_all")
        got = ids(every)
        eq(got, sorted(got, reverse=True), "default order is id desc")
    async with R.step("chats.archive_chat", "archive → archived, listed with archived=true"):
        await A.chats.archive_chat(chats[3].id)
        eq((await A.chats.get_chat(chats[3].id)).archived, True, "archived flag")
        arch = await A.chats.list_chats(ListChatsParams(archived=True))
        contains(ids(arch.data), chats[3].id, "archived=true list")
        live = await A.chats.list_chats(ListChatsParams(limit=50))
        expect(chats[3].id not in ids(live.data), "archived chat in the default list")
    async with R.step("chats.list_company_chats", "activity=archived has the archived chat"):
        page = await A.chats.list_company_chats(ListCompanyChatsParams(activity=ChatActivity.ARCHIVED))
        contains(ids(page.data), chats[3].id, "company archived chats")
        expect(all(c.archived for c in page.data), "a live chat among archived ones")
    async with R.step("chats.unarchive_chat", "unarchive → archived false"):
        await A.chats.unarchive_chat(chats[3].id)
        eq((await A.chats.get_chat(chats[3].id)).archived, False, "archived flag after unarchive")
    async with R.step("chats.list_company_chats_all", "walk company chats two per page"):
        every = await walk(A.chats.list_company_chats_all(ListCompanyChatsParams(activity=ChatActivity.ACTIVE, limit=2)), "/company/chats", 3)
        for c in chats:
            contains(ids(every), c.id, "list_company_chats_all")
    async with R.step("chats.update_chat_avatar", "upload a chat avatar"):
        av = await A.chats.update_chat_avatar(x.chat.id, PNG)
        expect(av.image_url, "empty image_url")
        eq((await A.chats.get_chat(x.chat.id)).avatar_url, av.image_url, "chat avatar_url after upload")
    async with R.step("chats.delete_chat_avatar", "delete → avatar_url null"):
        await A.chats.delete_chat_avatar(x.chat.id)
        eq((await A.chats.get_chat(x.chat.id)).avatar_url, None, "chat avatar_url after delete")
    async with R.step("chats.mark_chat_unread", "mark chats unread (with and without message_id)"):
        await A.chats.mark_chat_unread(x.chat.id, MarkChatUnreadRequest())
        msg = await A.messages.create_message(
            MessageCreateRequest(message=MessageCreateRequestMessage(entity_id=chats[3].id, content="to be marked unread"))
        )
        await A.chats.mark_chat_unread(chats[3].id, MarkChatUnreadRequest(message_id=msg.id))


async def area_members(x: Ctx) -> None:
    R, A = x.R, x.A
    chat, users = x.chat, x.users
    async with R.step("members.list_members", "the main chat's members, limit 2"):
        page = await A.members.list_members(chat.id, ListMembersParams(limit=2))
        eq(len(page.data), 2, "page size")
        eq(page.meta.paginate.has_next, True, "has_next with four members")
    async with R.step("members.list_members", "role=owner is the creator"):
        page = await A.members.list_members(chat.id, ListMembersParams(role=ChatMemberRoleFilter.OWNER))
        eq(ids(page.data), [x.me.id], "owners")
    async with R.step("members.list_members_all", "walk members one per page"):
        every = await walk(A.members.list_members_all(chat.id, ListMembersParams(limit=1)), f"/chats/{chat.id}/members", 4)
        eq(sorted(ids(every)), sorted(chat.member_ids), "members")
        by_id = {u.id: u for u in every}
        eq(by_id.get(x.bot.id) and by_id[x.bot.id].bot, True, "the bot member has bot=true")
    async with R.step("members.add_members", "add a user silently"):
        await A.members.add_members(chat.id, AddMembersRequest(member_ids=[users[2].id], silent=True))
        contains((await A.chats.get_chat(chat.id)).member_ids, users[2].id, "member_ids after add")
    async with R.step("members.update_member_role", "make the new member an admin, then a member again"):
        await A.members.update_member_role(chat.id, users[2].id, ChatMemberRole.ADMIN)
        admins = await A.members.list_members(chat.id, ListMembersParams(role=ChatMemberRoleFilter.ADMIN))
        contains(ids(admins.data), users[2].id, "admins")
        await A.members.update_member_role(chat.id, users[2].id, ChatMemberRole.MEMBER)
        admins = await A.members.list_members(chat.id, ListMembersParams(role=ChatMemberRoleFilter.ADMIN))
        expect(users[2].id not in ids(admins.data), "still admin after demotion")
    async with R.step("members.remove_member", "remove that member"):
        await A.members.remove_member(chat.id, users[2].id)
        expect(users[2].id not in (await A.chats.get_chat(chat.id)).member_ids, "removed member still in member_ids")
    async with R.step("members.remove_member", "the owner cannot be removed (in a throwaway chat)"):
        spare = (await A.chats.create_chat(ChatCreateRequest(chat=ChatCreateRequestChat(name=f"{x.tag} spare", member_ids=[users[3].id])))).data
        await expect_api_error(A.members.remove_member(spare.id, x.me.id), {"cannot_kick_owner", "forbidden", "permission_denied", "not_authorized"})
    async with R.step("members.add_tags", "link a tag to a chat: its users join"):
        await A.members.add_tags(x.chats[1].id, [x.tag_ids[0]])
        c = await A.chats.get_chat(x.chats[1].id)
        eq(c.group_tag_ids, [x.tag_ids[0]], "group_tag_ids after add_tags")
        for u in x.users[:2]:
            contains(c.member_ids, u.id, "member_ids after a tag was linked")
    async with R.step("members.remove_tag", "unlink the tag"):
        await A.members.remove_tag(x.chats[1].id, x.tag_ids[0])
        eq((await A.chats.get_chat(x.chats[1].id)).group_tag_ids, [], "group_tag_ids after remove_tag")
    async with R.step("members.leave_chat", "the bot leaves a chat it was added to"):
        await A.members.add_members(x.chats[2].id, AddMembersRequest(member_ids=[x.bot.id]))
        contains((await A.chats.get_chat(x.chats[2].id)).member_ids, x.bot.id, "bot added")
        await x.B.members.leave_chat(x.chats[2].id)
        expect(x.bot.id not in (await A.chats.get_chat(x.chats[2].id)).member_ids, "bot still a member after leave_chat")


async def area_messages(x: Ctx) -> None:
    R, A, tag = x.R, x.A, x.tag
    chat, users = x.chat, x.users
    msgs: list[Any] = []
    async with R.step("messages.create_message", "five messages in the main chat", hard=True):
        for i in range(5):
            m = await A.messages.create_message(
                MessageCreateRequest(message=MessageCreateRequestMessage(entity_id=chat.id, content=f"{tag} hello {i} marmalade"))
            )
            msgs.append(m)
            eq((m.content, m.chat_id, m.entity_id, m.entity_type, m.root_chat_id, m.user_id), (f"{tag} hello {i} marmalade", chat.id, chat.id, MessageEntityType.DISCUSSION, chat.id, x.me.id), "created message")
            expect(m.url.endswith(f"/chats/{chat.id}?message={m.id}"), f"message url {m.url!r}")
            eq((m.files, m.parent_message_id, m.thread, m.deleted_at, m.changed_at), ([], None, None, None, None), "files/parent/thread/deleted_at/changed_at of a new message")
        x.messages = msgs
    async with R.step("messages.get_message", "read one back"):
        g = await A.messages.get_message(msgs[0].id)
        eq((g.id, g.content, g.chat_id, g.user_id, g.created_at), (msgs[0].id, msgs[0].content, chat.id, x.me.id, msgs[0].created_at), "get_message")
    async with R.step("messages.update_message", "edit the content"):
        up = await A.messages.update_message(msgs[1].id, MessageUpdateRequest(message=MessageUpdateRequestMessage(content=f"{tag} edited marmalade")))
        eq((up.id, up.content), (msgs[1].id, f"{tag} edited marmalade"), "edited message")
        expect(up.changed_at is not None, "changed_at is null after an edit")
        eq((await A.messages.get_message(msgs[1].id)).content, f"{tag} edited marmalade", "content after edit")
    async with R.step("messages.create_message", "a reply (parent_message_id)"):
        reply = await A.messages.create_message(
            MessageCreateRequest(message=MessageCreateRequestMessage(entity_id=chat.id, content=f"{tag} a reply", parent_message_id=msgs[0].id))
        )
        msgs.append(reply)
        eq(reply.parent_message_id, msgs[0].id, "parent_message_id")
    async with R.step("messages.create_message", "a direct message (entity_type=user)"):
        dm = await A.messages.create_message(
            MessageCreateRequest(message=MessageCreateRequestMessage(entity_type=MessageEntityType.USER, entity_id=users[3].id, content=f"{tag} direct"))
        )
        eq((dm.entity_type, dm.entity_id, dm.content), (MessageEntityType.USER, users[3].id, f"{tag} direct"), "direct message")
        pc = await A.chats.get_chat(dm.chat_id)
        eq(pc.personal, True, "the direct message's chat is personal")
        eq(sorted(pc.member_ids), sorted([x.me.id, users[3].id]), "personal chat members")
    async with R.step("messages.create_message", "the bot posts a message with buttons", hard=True):
        bm = await x.B.messages.create_message(
            MessageCreateRequest(
                message=MessageCreateRequestMessage(
                    entity_id=chat.id,
                    content=f"{tag} pick one",
                    buttons=[[Button(text="Open form", data="open-form"), Button(text="Docs", url="https://docs.example.test/")]],
                )
            )
        )
        x.button_message = bm
        eq(bm.user_id, x.bot.id, "bot message author")
        need(bm.buttons is not None, "buttons null")
        eq([[(b.text, b.data, b.url) for b in row] for row in bm.buttons], [[("Open form", "open-form", None), ("Docs", None, "https://docs.example.test/")]], "buttons")
    async with R.step("messages.list_chat_messages", "newest first, limit 2"):
        page = await A.messages.list_chat_messages(ListChatMessagesParams(chat_id=chat.id, limit=2))
        eq(len(page.data), 2, "page size")
        eq(page.data[0].id if page.data else None, bm.id, "newest message first")
        eq(page.meta.paginate.has_next, True, "has_next")
    async with R.step("messages.list_chat_messages", "order=asc"):
        page = await A.messages.list_chat_messages(ListChatMessagesParams(chat_id=chat.id, sort=MessageSortField.ID, order=SortOrder.ASC, limit=3))
        got = ids(page.data)
        eq(got, sorted(got), "ascending ids")
    async with R.step("messages.list_chat_messages_all", "walk the chat two per page"):
        every = await walk(A.messages.list_chat_messages_all(ListChatMessagesParams(chat_id=chat.id, limit=2)), "/messages", 3)
        for m in msgs + [bm]:
            contains(ids(every), m.id, "list_chat_messages_all")
        got = ids(every)
        eq(got, sorted(got, reverse=True), "newest-first order across pages")
    async with R.step("messages.pin_message", "pin; pinning again → taken"):
        await A.messages.pin_message(msgs[0].id)
        await expect_api_error(A.messages.pin_message(msgs[0].id), {"taken", "already_exists", "pin_failed"})
    async with R.step("messages.unpin_message", "unpin; pin works again"):
        await A.messages.unpin_message(msgs[0].id)
        await A.messages.pin_message(msgs[0].id)
        await A.messages.unpin_message(msgs[0].id)
    async with R.step("messages.delete_message", "delete → get_message not found"):
        gone = await A.messages.create_message(MessageCreateRequest(message=MessageCreateRequestMessage(entity_id=chat.id, content=f"{tag} short-lived")))
        await A.messages.delete_message(gone.id)
        x.deleted_message = gone
        await expect_not_found(A.messages.get_message(gone.id), {"message_deleted"})


async def area_threads(x: Ctx) -> None:
    R, A, tag, chat, msgs = x.R, x.A, x.tag, x.chat, x.messages
    async with R.step("threads.create_thread", "a thread on a message; again → the same thread", hard=True):
        th = await A.threads.create_thread(msgs[2].id)
        eq((th.message_id, th.message_chat_id), (msgs[2].id, chat.id), "thread message_id/message_chat_id")
        expect(th.chat_id != chat.id, "the thread's chat_id is the parent chat")
        again = await A.threads.create_thread(msgs[2].id)
        eq(again.id, th.id, "second create_thread returns the existing thread")
        parent = await A.messages.get_message(msgs[2].id)
        eq(parent.thread and (parent.thread.id, parent.thread.chat_id), (th.id, th.chat_id), "parent message's thread")
    async with R.step("messages.create_message", "a message in the thread"):
        tm = await A.messages.create_message(
            MessageCreateRequest(message=MessageCreateRequestMessage(entity_type=MessageEntityType.THREAD, entity_id=th.id, content=f"{tag} in thread"))
        )
        eq((tm.entity_type, tm.entity_id, tm.chat_id, tm.root_chat_id), (MessageEntityType.THREAD, th.id, th.chat_id, chat.id), "thread message")
    async with R.step("threads.get_thread", "read the thread back"):
        g = await A.threads.get_thread(th.id)
        eq((g.id, g.chat_id, g.message_id, g.message_chat_id), (th.id, th.chat_id, msgs[2].id, chat.id), "get_thread")
    st = th2 = None
    async with R.step("threads.create_standalone_thread", "a thread with no message"):
        st = await A.threads.create_standalone_thread()
        eq((st.message_id, st.message_chat_id), (None, None), "standalone thread message_id/message_chat_id")
        eq((await A.threads.get_thread(st.id)).id, st.id, "get_thread of the standalone thread")
    async with R.step("threads.create_thread", "a second thread"):
        th2 = await A.threads.create_thread(msgs[3].id)
    async with R.step("threads.list_threads", "limit 1"):
        page = await A.threads.list_threads(ListThreadsParams(limit=1))
        eq(len(page.data), 1, "page size")
        eq(page.meta.paginate.has_next, True, "has_next")
    async with R.step("threads.list_threads_all", "walk threads one per page"):
        every = await walk(A.threads.list_threads_all(ListThreadsParams(limit=1)), "/threads", 3)
        for t in (th, st, th2):
            if t is not None:
                contains(ids(every), t.id, "list_threads_all")


async def area_reactions(x: Ctx) -> None:
    R, A, chat = x.R, x.A, x.chat
    m = x.messages[0]
    async with R.step("reactions.add_reaction", "three reactions by the owner, one by the bot"):
        r = await A.reactions.add_reaction(m.id, ReactionRequest(code="👍"))
        eq((r.code, r.user_id), ("👍", x.me.id), "reaction")
        for code in ("🔥", "🎉"):
            await A.reactions.add_reaction(m.id, ReactionRequest(code=code))
        rb = await x.B.reactions.add_reaction(m.id, ReactionRequest(code="👍"))
        eq((rb.code, rb.user_id), ("👍", x.bot.id), "bot reaction")
    async with R.step("reactions.list_reactions", "limit 2"):
        page = await A.reactions.list_reactions(m.id, ListReactionsParams(limit=2))
        eq(len(page.data), 2, "page size")
        eq(page.meta.paginate.has_next, True, "has_next")
    async with R.step("reactions.list_reactions_all", "walk reactions one per page"):
        every = await walk(A.reactions.list_reactions_all(m.id, ListReactionsParams(limit=1)), "/reactions", 4)
        eq(sorted((r.code, r.user_id) for r in every), sorted([("👍", x.me.id), ("🔥", x.me.id), ("🎉", x.me.id), ("👍", x.bot.id)]), "reactions")
    async with R.step("reactions.remove_reaction", "remove one → gone from the list"):
        await A.reactions.remove_reaction(m.id, RemoveReactionParams(code="🔥"))
        left = await A.reactions.list_reactions(m.id)
        eq(sorted((r.code, r.user_id) for r in left.data), sorted([("👍", x.me.id), ("🎉", x.me.id), ("👍", x.bot.id)]), "reactions after removal")
        await x.B.reactions.remove_reaction(m.id, RemoveReactionParams(code="👍"))
    # list_read_members is typed `-> object` in the SDK: it hands back the raw body.
    async with R.step("read_members.list_read_members", "read member ids of a message"):
        await x.B.messages.list_chat_messages(ListChatMessagesParams(chat_id=chat.id, limit=50))
        raw = await A.read_members.list_read_members(m.id, ListReadMembersParams(limit=300))
        need(isinstance(raw, dict) and isinstance(raw.get("data"), list), f"not {{data: [...]}}: {raw!r}")
        expect(all(isinstance(i, int) for i in raw["data"]), f"non-integer ids: {raw['data']!r}")
        pag = (raw.get("meta") or {}).get("paginate") or {}
        eq(sorted(pag), ["has_next", "has_prev", "next_page", "prev_page"], "meta.paginate keys")
        small = await A.read_members.list_read_members(m.id, ListReadMembersParams(limit=1))
        expect(len(small["data"]) <= 1, "limit=1 not honoured")


async def area_link_previews(x: Ctx) -> None:
    # Link previews, by the bot whose unfurl domain the link is on.
    R, A, tag, chat = x.R, x.A, x.tag, x.chat
    async with R.step("messages.unfurl", "the bot unfurls a link in a message"):
        link = f"https://sdk.example.test/{tag}/page"
        lm = await A.messages.create_message(MessageCreateRequest(message=MessageCreateRequestMessage(entity_id=chat.id, content=f"see {link}")))
        x.link_message = lm
        await x.B.messages.unfurl(lm.id, LinkPreviewsRequest(link_previews={link: LinkPreview(title="SDK page", description="What the SDK check saw", image_url="https://sdk.example.test/cover.png")}))
    async with R.step("link_previews.create_link_previews", "the deprecated alias of unfurl"):
        link = f"https://sdk.example.test/{tag}/other"
        lm2 = await A.messages.create_message(MessageCreateRequest(message=MessageCreateRequestMessage(entity_id=chat.id, content=f"and {link}")))
        await x.B.link_previews.create_link_previews(lm2.id, LinkPreviewsRequest(link_previews={link: LinkPreview(title="Other", description="Second page")}))
    async with R.step("messages.unfurl", "a link that is not in the message → refused"):
        await expect_api_error(
            x.B.messages.unfurl(x.messages[0].id, LinkPreviewsRequest(link_previews={"https://sdk.example.test/absent": LinkPreview(title="t", description="d")})),
            {"invalid", "not_found", "wrong_params", "not_applicable"},
        )


async def _upload_flow(x: Ctx, svc: str, name: str, body: bytes, ftype: FileType) -> None:
    R, A, chat = x.R, x.A, x.chat
    async with R.step(f"{svc}.get_upload_params", "upload parameters", hard=True):
        params = await getattr(A, svc).get_upload_params()
        need("${filename}" in params.key, f"key without ${{filename}}: {params.key!r}")
        eq((params.content_disposition, params.acl, params.x_amz_algorithm), ("attachment", "private", "AWS4-HMAC-SHA256"), "upload params constants")
        expect(params.direct_url.endswith("/api/shared/v1/direct_url"), f"direct_url {params.direct_url!r}")
        expect(params.policy and params.x_amz_signature and params.x_amz_credential and params.x_amz_date, "empty policy fields")
    async with R.step(f"{svc}.upload_file", f"upload {name} to direct_url", hard=True):
        await getattr(A, svc).upload_file(
            params.direct_url,
            FileUploadRequest(
                content_disposition=params.content_disposition,
                policy=params.policy,
                x_amz_credential=params.x_amz_credential,
                x_amz_algorithm=params.x_amz_algorithm,
                x_amz_date=params.x_amz_date,
                x_amz_signature=params.x_amz_signature,
                key=params.key,
                file=body,
                acl=params.acl,
                bucket=params.bucket,
            ),
        )
    key = params.key.replace("${filename}", name)
    async with R.step("messages.create_message", f"a message with {name}", hard=True):
        extra = {"width": 1, "height": 1} if ftype == FileType.IMAGE else {}
        m = await A.messages.create_message(
            MessageCreateRequest(
                message=MessageCreateRequestMessage(
                    entity_id=chat.id, content=f"{x.tag} file {name}",
                    files=[MessageCreateRequestFile(key=key, name=name, file_type=ftype, size=len(body), **extra)],
                )
            )
        )
        need(len(m.files) == 1, f"{len(m.files)} files on the message")
        f = m.files[0]
        eq((f.key, f.name, f.file_type), (key, name, ftype), "file key/name/file_type")
        if ftype == FileType.IMAGE:
            eq((f.width, f.height), (1, 1), "image width/height (sent as 1×1)")
        expect(f.url, "file url empty")
        eq([g.id for g in (await A.messages.get_message(m.id)).files], [f.id], "files of the message read back")
    async with R.step("files.download_file", f"download {name} → the same bytes"):
        eq(await A.files.download_file(f.id), body, f"bytes of {name}")
    if ftype == FileType.IMAGE:
        async with R.step("files.download_file", "target=image of a PNG → the same bytes"):
            eq(await A.files.download_file(f.id, DownloadFileParams(target=FileTarget.IMAGE)), body, "target=image bytes")


async def area_files(x: Ctx) -> None:
    await _upload_flow(x, "files", "pixel.png", PNG, FileType.IMAGE)
    R, A = x.R, x.A
    async with R.step("files.download_file", "a missing file → not_found"):
        await expect_not_found(A.files.download_file(987654321))
    async with R.step("files.upload_file", "a forged signature → refused"):
        p = await A.files.get_upload_params()
        try:
            await A.files.upload_file(p.direct_url, FileUploadRequest(
                content_disposition=p.content_disposition, policy=p.policy, x_amz_credential=p.x_amz_credential,
                x_amz_algorithm=p.x_amz_algorithm, x_amz_date=p.x_amz_date, x_amz_signature="0" * 64,
                key=p.key, file=b"x", acl=p.acl, bucket=p.bucket))
            raise Mismatch("an upload with a forged signature was accepted")
        except (ApiError, OAuthError) as e:
            expect(last_status(e) in (400, 401, 403), f"HTTP {last_status(e)}")


async def area_files_common(x: Ctx) -> None:
    # The deprecated CommonService spells the same upload flow.
    await _upload_flow(x, "common", "notes.txt", f"plain text for {x.tag}\n".encode(), FileType.FILE)


async def area_drafts(x: Ctx) -> None:
    R, A, tag = x.R, x.A, x.tag
    chats = x.chats
    drafts: list[Any] = []
    async with R.step("drafts.create_draft", "regular drafts in three chats", hard=True):
        for i, c in enumerate([x.chat] + chats[1:3]):
            d = await A.drafts.create_draft(
                DraftCreateRequest(draft=DraftCreateRequestDraft(entity_type=MessageEntityType.DISCUSSION, entity_id=c.id, content=f"{tag} draft {i}"))
            )
            drafts.append(d)
            eq((d.content, d.entity_type, d.entity_id, d.chat_id, d.schedule, d.files, d.next_send_at), (f"{tag} draft {i}", MessageEntityType.DISCUSSION, c.id, c.id, None, [], None), "created draft")
    async with R.step("drafts.get_draft", "read a draft back"):
        g = await A.drafts.get_draft(drafts[0].id)
        eq((g.id, g.content, g.chat_id), (drafts[0].id, drafts[0].content, x.chat.id), "get_draft")
    async with R.step("drafts.update_draft", "edit a draft"):
        up = await A.drafts.update_draft(drafts[0].id, DraftUpdateRequest(draft=DraftUpdateRequestDraft(content=f"{tag} draft edited")))
        eq((up.id, up.content), (drafts[0].id, f"{tag} draft edited"), "updated draft")
        expect(up.updated_at >= drafts[0].updated_at, "updated_at went back")
        eq((await A.drafts.get_draft(drafts[0].id)).content, f"{tag} draft edited", "content after update")
    start = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    sd = None
    async with R.step("drafts.create_draft", "a scheduled message (weekly)"):
        sd = await A.drafts.create_draft(
            DraftCreateRequest(
                draft=DraftCreateRequestDraft(
                    entity_type=MessageEntityType.DISCUSSION, entity_id=chats[3].id, content=f"{tag} scheduled",
                    schedule=DraftScheduleRequest(start_date=start, repetition=DraftRepetitionRequest(interval=DraftRepetitionInterval.WEEKLY)),
                )
            )
        )
        need(sd.schedule is not None, "schedule null on a scheduled draft")
        eq((sd.schedule.start_date, sd.schedule.repetition.interval), (start, DraftRepetitionInterval.WEEKLY), "schedule")
        eq(sd.next_send_at, start, "next_send_at")
    async with R.step("drafts.create_draft", "a schedule in the past → next_send_at_invalid"):
        past = datetime.now(timezone.utc) - timedelta(days=3)
        await expect_api_error(
            A.drafts.create_draft(DraftCreateRequest(draft=DraftCreateRequestDraft(
                entity_type=MessageEntityType.DISCUSSION, entity_id=chats[1].id, content="late",
                schedule=DraftScheduleRequest(start_date=past, repetition=DraftRepetitionRequest(interval=DraftRepetitionInterval.ONCE))))),
            {"next_send_at_invalid", "schedule_invalid"},
        )
    async with R.step("drafts.list_drafts", "type=scheduled vs type=regular, one chat"):
        sched = await A.drafts.list_drafts(ListDraftsParams(type=DraftType.SCHEDULED))
        eq(ids(sched.data), [sd.id] if sd else [], "scheduled drafts")
        reg = await A.drafts.list_drafts(ListDraftsParams(type=DraftType.REGULAR, limit=2))
        eq(len(reg.data), 2, "page size")
        eq(reg.meta.paginate.has_next, True, "has_next")
        one = await A.drafts.list_drafts(ListDraftsParams(entity_type=MessageEntityType.DISCUSSION, entity_id=chats[1].id))
        eq(ids(one.data), [drafts[1].id], "drafts of one chat")
    async with R.step("drafts.list_drafts_all", "walk all drafts one per page"):
        every = await walk(A.drafts.list_drafts_all(ListDraftsParams(type=DraftType.ALL, limit=1)), "/drafts", 4)
        eq(sorted(ids(every)), sorted(ids(drafts) + ([sd.id] if sd else [])), "all drafts")
    async with R.step("drafts.delete_draft", "delete → get_draft not_found"):
        await A.drafts.delete_draft(drafts[2].id)
        await expect_not_found(A.drafts.get_draft(drafts[2].id))


async def area_tasks(x: Ctx) -> None:
    R, A, tag = x.R, x.A, x.tag
    users = x.users
    for svc in ("custom_properties", "common"):
        for et in (SearchEntityType.USER, SearchEntityType.TASK):
            async with R.step(f"{svc}.list_properties", f"custom properties of {et.value}"):
                props = await getattr(A, svc).list_properties(ListPropertiesParams(entity_type=et))
                need(isinstance(props.data, list), "data is not a list")
                for p in props.data:
                    expect(p.id and p.name and p.data_type, f"incomplete definition {p!r}")
    due = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    tasks: list[Any] = []
    async with R.step("tasks.create_task", "three tasks", hard=True):
        for i, kind in enumerate((TaskKind.REMINDER, TaskKind.CALL, TaskKind.MEETING)):
            t = await A.tasks.create_task(
                TaskCreateRequest(task=TaskCreateRequestTask(kind=kind, content=f"{tag} task {i}", due_at=due, priority=2, performer_ids=[x.me.id, users[0].id], chat_id=x.chat.id))
            )
            tasks.append(t)
            eq((t.kind, t.content, t.priority, t.status, t.user_id, t.chat_id), (kind, f"{tag} task {i}", 2, TaskStatus.UNDONE, x.me.id, x.chat.id), "created task")
            eq(t.due_at, due, "due_at")
            eq(sorted(t.performer_ids), sorted([x.me.id, users[0].id]), "performer_ids")
    async with R.step("tasks.create_task", "defaults: priority 1"):
        t = await A.tasks.create_task(TaskCreateRequest(task=TaskCreateRequestTask(kind=TaskKind.EMAIL, content=f"{tag} defaults")))
        eq(t.priority, 1, "default priority")
    async with R.step("tasks.get_task", "read a task back"):
        g = await A.tasks.get_task(tasks[0].id)
        eq((g.id, g.content, g.kind, g.due_at), (tasks[0].id, tasks[0].content, TaskKind.REMINDER, due), "get_task")
    async with R.step("tasks.update_task", "mark done, change content and priority"):
        up = await A.tasks.update_task(tasks[1].id, TaskUpdateRequest(task=TaskUpdateRequestTask(status=TaskStatus.DONE, content=f"{tag} task done", priority=3)))
        eq((up.id, up.status, up.content, up.priority), (tasks[1].id, TaskStatus.DONE, f"{tag} task done", 3), "updated task")
        eq((await A.tasks.get_task(tasks[1].id)).status, TaskStatus.DONE, "status after update")
    async with R.step("tasks.list_tasks", "status=done filter"):
        done = await A.tasks.list_tasks(ListTasksParams(status=TaskStatus.DONE))
        contains(ids(done.data), tasks[1].id, "done tasks")
        eq(sorted({str(t.status) for t in done.data}), ["done"], "statuses in a status=done list")
    async with R.step("tasks.list_tasks", "performer_ids[] filter"):
        mine = await A.tasks.list_tasks(ListTasksParams(performer_ids=[users[0].id]))
        eq(sorted(ids(mine.data)), sorted(ids(tasks)), "tasks listed for performer_ids[]=<a performer of three tasks>")
    async with R.step("tasks.list_tasks", "chat_ids[] filter"):
        in_chat = await A.tasks.list_tasks(ListTasksParams(chat_ids=[x.chat.id]))
        eq(sorted(ids(in_chat.data)), sorted(ids(tasks)), "tasks listed for chat_ids[]=<the chat of three tasks>")
    async with R.step("tasks.list_tasks", "limit 2"):
        page = await A.tasks.list_tasks(ListTasksParams(limit=2))
        eq(len(page.data), 2, "page size")
        eq(page.meta.paginate.has_next, True, "has_next")
    async with R.step("tasks.list_tasks_all", "walk a performer's tasks one per page"):
        every = await walk(A.tasks.list_tasks_all(ListTasksParams(performer_ids=[users[0].id], limit=1)), "/tasks", 3)
        eq(sorted(ids(every)), sorted(ids(tasks)), "tasks of a performer")
    async with R.step("tasks.delete_task", "delete → get_task not_found"):
        await A.tasks.delete_task(tasks[2].id)
        await expect_not_found(A.tasks.get_task(tasks[2].id))


async def _eventually(fetch: Callable[[], Awaitable[list[Any]]], ok: Callable[[list[Any]], bool], seconds: float = 3.0) -> list[Any]:
    """Search indexes may lag a moment behind writes: retry a read for a few seconds."""
    deadline = time.monotonic() + seconds
    while True:
        got = await fetch()
        if ok(got) or time.monotonic() > deadline:
            return got
        await asyncio.sleep(0.3)


async def area_search(x: Ctx) -> None:
    R, A, tag = x.R, x.A, x.tag
    users = x.users
    async with R.step("search.search_users", "by the shared last name, limit 2"):
        page = await A.search.search_users(SearchUsersParams(query=f"Checker{tag}", limit=2))
        eq(len(page.data), 2, "page size")
        eq(page.meta.total, len(users), "meta.total")
        expect(isinstance(page.meta.paginate.next_page, str), "next_page not a string")
    async with R.step("search.search_users_all", "walk to the end (an empty page)"):
        every = await walk(A.search.search_users_all(SearchUsersParams(query=f"Checker{tag}", limit=2, sort=SearchSortOrder.ALPHABETICAL, order=SortOrder.ASC)), "/search/users", 4)
        eq(sorted(ids(every)), sorted(ids(users)), "users found")
    async with R.step("search.search_users", "company_roles[] filter"):
        page = await A.search.search_users(SearchUsersParams(query=f"Checker{tag}", company_roles=[UserRole.ADMIN]))
        eq(ids(page.data), [], "admins among the created users")
    async with R.step("search.search_chats", "by the run tag, limit 2"):
        page = await A.search.search_chats(SearchChatsParams(query=tag, limit=2))
        eq(len(page.data), 2, "page size")
        expect(page.meta.total >= len(x.chats), f"meta.total {page.meta.total}, while {len(x.chats)} chats carry the tag")
    async with R.step("search.search_chats_all", "walk to the end"):
        every = await walk(A.search.search_chats_all(SearchChatsParams(query=tag, limit=2, chat_subtype=ChatSubtype.DISCUSSION)), "/search/chats", 3)
        for c in x.chats:
            contains(ids(every), c.id, "chats found")
    word = "marmalade"
    async with R.step("search.search_messages", "a word in the main chat, limit 2"):
        page = await A.search.search_messages(SearchMessagesParams(query=f"{tag} {word}", chat_ids=[x.chat.id], limit=2))
        eq(len(page.data), 2, "page size")
        expect(page.meta.total >= 5, f"meta.total {page.meta.total}, while six messages of the chat hold the words")
        expect(all(m.chat_id == x.chat.id for m in page.data), "a message from another chat")
    async with R.step("search.search_messages_all", "walk to the end"):
        async def fetch() -> list[Any]:
            return await walk(A.search.search_messages_all(SearchMessagesParams(query=word, chat_ids=[x.chat.id], limit=2, sort=MessageSearchSort.CREATED_AT, order=SortOrder.DESC)), "/search/messages", 3)
        want = {m.id for m in x.messages[:5]}
        every = await _eventually(fetch, lambda got: want <= set(ids(got)))
        for mid in sorted(want):
            contains(ids(every), mid, "messages found")
        gone = getattr(x, "deleted_message", None)
        expect(gone is None or gone.id not in ids(every), "a deleted message was found")
    async with R.step("search.search_messages", "user_ids[] filter"):
        page = await A.search.search_messages(SearchMessagesParams(query=tag, user_ids=[x.bot.id], chat_ids=[x.chat.id]))
        expect(page.data and all(m.user_id == x.bot.id for m in page.data), f"messages of the bot: {[(m.id, m.user_id) for m in page.data]}")


async def area_exports(x: Ctx) -> None:
    R, A = x.R, x.A
    today = date.today()
    start, end = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()

    async def ready(svc: str, export_id: int) -> str:
        deadline = time.monotonic() + 10
        while True:
            try:
                return await getattr(A, svc).download_export(export_id)
            except ApiError as e:
                if [str(i.code) for i in e.errors] != ["export_file_not_found"] or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)

    async with R.step("chats.request_export", "an export of the main chat, with a webhook", hard=True):
        ex = await A.chats.request_export(ExportRequest(start_at=start, end_at=end, webhook_url=x.rx.url("/export"), chat_ids=[x.chat.id]))
        need(isinstance(ex.id, int), f"export id {ex.id!r}")
    async with R.step("chats.download_export", "poll until ready → a download URL"):
        url = await ready("chats", ex.id)
        need(url.startswith("http"), f"Location {url!r}")
        async with httpx.AsyncClient() as h:
            got = await h.get(url)
        eq(got.status_code, 200, f"GET {url}")
        expect(got.content[:2] == b"PK", f"the export is not a zip archive ({got.content[:16]!r})")
    async with R.step("chats.request_export", "the export-ready webhook arrived"):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(p == "/export" for p, _, _ in x.rx.hits):
            await asyncio.sleep(0.2)
        hits = [json.loads(b) for p, _, b in x.rx.hits if p == "/export"]
        need(hits, "no POST reached the export webhook_url")
        eq((hits[-1].get("type"), hits[-1].get("event"), hits[-1].get("export_id")), ("export", "ready", ex.id), "export webhook payload")
    ex2_id = ex.id
    async with R.step("common.request_export", "the deprecated alias, without webhook_url (optional in the SDK)"):
        ex2 = await A.common.request_export(ExportRequest(start_at=start, end_at=end, chat_ids=[x.chat.id], skip_chats_file=True))
        expect(isinstance(ex2.id, int) and ex2.id != ex.id, f"export id {ex2.id!r}")
        ex2_id = ex2.id
    async with R.step("common.download_export", "poll until ready"):
        url = await ready("common", ex2_id)
        expect(url.startswith("http"), f"Location {url!r}")
    async with R.step("chats.request_export", "end before start → invalid_date_range"):
        await expect_api_error(A.chats.request_export(ExportRequest(start_at=end, end_at=start, webhook_url=x.rx.url("/export"))), {"invalid_date_range"}, 422)
    async with R.step("chats.download_export", "an unknown export → export_file_not_found"):
        await expect_api_error(A.chats.download_export(987654321), {"export_file_not_found"}, 404)


async def area_views(x: Ctx) -> None:
    # A view opens only with a button click's trigger_id (valid for 3 s). The SDK cannot
    # click a button, so the check drives open_view into its documented error instead.
    R = x.R
    view = OpenViewRequestView(
        title="SDK form",
        blocks=[
            ViewBlockHeader(type="header", text="Tell us"),
            ViewBlockInput(type="input", name="why", label="Why?", required=True, max_length=200),
            ViewBlockSelect(type="select", name="pick", label="Pick", options=[ViewBlockSelectOption(text="A", value="a"), ViewBlockSelectOption(text="B", value="b")]),
        ],
    )
    async with R.step("views.open_view", "an unknown trigger_id → trigger_not_found (or trigger_expired)"):
        await expect_api_error(
            x.B.views.open_view(OpenViewRequest(type="modal", trigger_id=f"{x.tag}-no-such-trigger", view=view, callback_id="sdk", private_metadata="{}")),
            {"trigger_not_found", "trigger_expired"},
        )
    async with R.step("views.submit_view_response", "an unknown view → view_not_found"):
        await expect_api_error(
            x.B.views.submit_view_response("01KNOSUCHVIEW00000000000000", SubmitViewResponseRequest(submit_id="nope", errors={"why": "too short"})),
            {"view_not_found"},
        )


async def _raw_event_ids(x: Ctx) -> list[dict[str, Any]]:
    """The bot's history through plain HTTP: only a fallback to find an event id for
    delete_webhook_event when the SDK's own listing cannot parse the page."""
    async with httpx.AsyncClient(base_url=x.base_url, headers={"Authorization": f"Bearer {x.bot.access_token}"}) as h:
        r = await h.get("/webhooks/events", params={"limit": "50"})
        return r.json().get("data", []) if r.status_code == 200 else []


async def area_events(x: Ctx) -> None:
    R, A, B = x.R, x.A, x.B
    chat, tag = x.chat, x.tag
    # Fresh activity the bot's history must hold: two messages, an edit, a reaction.
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    async with R.step("messages.create_message", "activity for the bot's event history", hard=True):
        m1 = await A.messages.create_message(MessageCreateRequest(message=MessageCreateRequestMessage(entity_id=chat.id, content=f"{tag} event one")))
        m2 = await A.messages.create_message(MessageCreateRequest(message=MessageCreateRequestMessage(entity_id=chat.id, content=f"{tag} event two")))
        await A.messages.update_message(m1.id, MessageUpdateRequest(message=MessageUpdateRequestMessage(content=f"{tag} event one edited")))
        await A.reactions.add_reaction(m2.id, ReactionRequest(code="✅"))
    async with R.step("bots.get_webhook_events", "the newest three events"):
        page = await B.bots.get_webhook_events(GetWebhookEventsParams(limit=3))
        eq(len(page.data), 3, "page size")
        eq(page.meta.paginate.has_next, True, "has_next")
        for ev in page.data:
            expect(isinstance(ev.id, str) and ev.id, f"event id {ev.id!r}")
        stamps = [ev.created_at for ev in page.data]
        eq(stamps, sorted(stamps, reverse=True), "newest first")
    victim: str | None = None
    async with R.step("bots.get_webhook_events_all", "walk the whole history"):
        every: list[WebhookEvent] = await walk(B.bots.get_webhook_events_all(GetWebhookEventsParams(limit=20)), "/webhooks/events", 2)
        eq(len({e.id for e in every}), len(every), "distinct event ids")
        news = {e.payload.id: e for e in every if isinstance(e.payload, MessageWebhookPayload) and e.event_type == "message_new"}
        for m in (m1, m2):
            contains(sorted(news), m.id, "message_new events")
        if m2.id in news:
            p = news[m2.id].payload
            eq((p.type, p.event, p.chat_id, p.user_id, p.content, p.entity_type), ("message", "new", chat.id, x.me.id, m2.content, MessageEntityType.DISCUSSION), "message_new payload")
        upd = [e for e in every if e.event_type == "message_update" and getattr(e.payload, "id", None) == m1.id]
        expect(upd and upd[0].payload.content == f"{tag} event one edited", "no message_update event with the new content")
        rx = [e for e in every if isinstance(e.payload, ReactionWebhookPayload) and e.payload.message_id == m2.id]
        expect(rx and rx[0].payload.code == "✅" and rx[0].event_type == "reaction_new", "no reaction_new event")
        if m1.id in news:
            victim = news[m1.id].id
    async with R.step("bots.poll_webhook_events", "the poller yields every new event once, each page oldest first"):
        got: list[WebhookEvent] = []

        async def take() -> None:
            async for ev in B.bots.poll_webhook_events(limit=2, interval_seconds=0.5, created_after=since):
                got.append(ev)
                if {m1.id, m2.id} <= {getattr(e.payload, "id", None) for e in got if e.event_type == "message_new"}:
                    return

        await asyncio.wait_for(take(), ALL_TIMEOUT)
        # The poller walks newest-first pages and yields each page reversed, so the
        # order across pages is not chronological (the SDK's own algorithm): check that
        # every event comes once.
        eq(len({e.id for e in got}), len(got), "the poller yielded an event twice")
        expect(all(e.created_at >= since for e in got), "an event older than created_after")
    async with R.step("bots.poll_webhook_payloads", "payloads of one type"):
        payloads: list[Any] = []

        async def take_payloads() -> None:
            async for p in B.bots.poll_webhook_payloads(payload_type=ReactionWebhookPayload, limit=10, interval_seconds=0.5, created_after=since):
                payloads.append(p)
                return

        await asyncio.wait_for(take_payloads(), ALL_TIMEOUT)
        eq((type(payloads[0]).__name__, payloads[0].message_id, payloads[0].code), ("ReactionWebhookPayload", m2.id, "✅"), "polled payload")
    async with R.step("bots.delete_webhook_event", "delete one event → gone from the history"):
        if victim is None:  # the SDK listing failed above: find the id without it
            raw = await _raw_event_ids(x)
            victim = next((e["id"] for e in raw if e.get("event_type") == "message_new" and (e.get("payload") or {}).get("id") == m1.id), None)
        need(victim, "no message_new event of the first message to delete")
        await B.bots.delete_webhook_event(victim)
        left = [e.get("id") for e in await _raw_event_ids(x)]
        expect(victim not in left, "deleted event still listed")
    async with R.step("bots.get_webhook_events", "an admin token → 403 insufficient_scope"):
        await expect_oauth_error(A.bots.get_webhook_events(), {"insufficient_scope"}, 403)


async def area_oauth(x: Ctx) -> None:
    # exchange_token needs a person's consent code, which only an app session can grant:
    # the check drives it into the documented OAuth errors instead, with a real client.
    R, A = x.R, x.A
    redirect = "https://app.example.test/callback"
    async with R.step("bots.create_bot", "an OAuth app (a bot with an OAuth client)", hard=True):
        app = await A.bots.create_bot(
            BotCreateRequest(
                webhook=BotCreateRequestWebhook(name=f"SDK app {x.tag}", nickname=f"{x.tag}_app"),
                oauth_client=BotOAuthClientRequest(confidential=True, redirect_uris=[redirect], scopes=["profile:read"]),
            )
        )
        need(app.oauth_client is not None, "oauth_client missing")
        secret = app.client_secret or (await A.bots.rotate_bot_client_secret(app.id)).client_secret
        need(secret, "no client_secret for the OAuth app")
        client_id = app.oauth_client.client_id
    async with R.step("oauth.exchange_token", "a bogus code from a real client → invalid_grant"):
        await expect_oauth_error(
            A.oauth.exchange_token(OAuthTokenRequest(grant_type="authorization_code", code="no-such-code", redirect_uri=redirect, client_id=client_id, client_secret=secret, code_verifier="x" * 43)),
            {"invalid_grant"},
            400,
        )
    async with R.step("oauth.exchange_token", "an unknown client → invalid_client"):
        await expect_oauth_error(
            A.oauth.exchange_token(OAuthTokenRequest(grant_type="authorization_code", code="no-such-code", redirect_uri=redirect, client_id="no-such-client", client_secret="nope")),
            {"invalid_client"},
            401,
        )
    async with R.step("oauth.revoke_token", "the app revokes an unknown token → 200 (RFC 7009)"):
        res = await A.oauth.revoke_token(OAuthRevokeRequest(token="no-such-token", token_type_hint=OAuthTokenTypeHint.ACCESS_TOKEN, client_id=client_id, client_secret=secret))
        eq(res, None, "revoke_token result")
    async with R.step("oauth.revoke_token", "a wrong client secret → invalid_client"):
        await expect_oauth_error(A.oauth.revoke_token(OAuthRevokeRequest(token="no-such-token", client_id=client_id, client_secret="wrong")), {"invalid_client"}, 401)
    async with R.step("bots.delete_bot", "remove the OAuth app"):
        await A.bots.delete_bot(app.id)


async def area_security(x: Ctx) -> None:
    R, A = x.R, x.A
    created = {str(u.id) for u in x.users}
    async with R.step("security.get_audit_events", "limit 2"):
        page = await A.security.get_audit_events(GetAuditEventsParams(limit=2))
        eq(len(page.data), 2, "page size")
        eq(page.meta.paginate.has_next, True, "has_next")
        for ev in page.data:
            expect(isinstance(ev.id, str) and ev.event_key, f"audit event {ev!r}")
    async with R.step("security.get_audit_events", "event_key=user_created, limit 2: a first page is not empty"):
        page = await A.security.get_audit_events(GetAuditEventsParams(event_key=AuditEventKey.USER_CREATED, limit=2))
        eq(len(page.data), 2, "page size")
        expect(all(str(e.event_key) == "user_created" for e in page.data), "an event of another key")
    async with R.step("security.get_audit_events_all", "user_created events since the start, two per page"):
        every = await walk(A.security.get_audit_events_all(GetAuditEventsParams(event_key=AuditEventKey.USER_CREATED, start_time=x.started - timedelta(seconds=5), limit=2)), "/audit_events", 3)
        expect(all(str(e.event_key) == "user_created" for e in every), "an event of another key")
        found = {e.entity_id for e in every}
        expect(created <= found, f"user_created events missing for user ids {sorted(created - found)}")


async def area_teardown(x: Ctx) -> None:
    R, A = x.R, x.A
    async with R.step("bots.delete_bot", "delete the main bot → its token dies"):
        await A.bots.delete_bot(x.bot.id)
        await expect_not_found(A.bots.get_bot(x.bot.id))
        await expect_oauth_error(x.B.profile.get_profile(), {"invalid_token"}, 401)


AREAS: list[Callable[[Ctx], Awaitable[None]]] = [
    area_errors, area_profile, area_users, area_group_tags, area_bots, area_bot_tokens,
    area_bot_self, area_chats, area_members, area_messages, area_threads, area_reactions,
    area_link_previews, area_files, area_files_common, area_drafts, area_tasks, area_search,
    area_exports, area_views, area_events, area_oauth, area_security, area_teardown,
]
# Which earlier areas each area builds on: when one of them stopped early, it is skipped.
NEEDS: dict[str, list[str]] = {
    "area_group_tags": ["area_users"],
    "area_bots": ["area_profile"],
    "area_bot_tokens": ["area_bots"],
    "area_bot_self": ["area_bots"],
    "area_chats": ["area_users", "area_bots"],
    "area_members": ["area_chats", "area_group_tags"],
    "area_messages": ["area_chats"],
    "area_threads": ["area_messages"],
    "area_reactions": ["area_messages"],
    "area_link_previews": ["area_messages"],
    "area_files": ["area_chats"],
    "area_files_common": ["area_chats"],
    "area_drafts": ["area_chats"],
    "area_tasks": ["area_chats"],
    "area_search": ["area_messages"],
    "area_exports": ["area_chats"],
    "area_views": ["area_bots"],
    "area_events": ["area_chats"],
    "area_oauth": ["area_profile"],
    "area_security": ["area_users"],
    "area_teardown": ["area_bots"],
}


# --------------------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------------------


def public_methods() -> list[str]:
    """Every public method of every service PachcaClient builds (by introspection)."""
    probe = PachcaClient("probe", base_url="http://127.0.0.1:9")
    names: list[str] = []
    for svc in SERVICES:
        cls = type(getattr(probe, svc))
        for attr, fn in inspect.getmembers(cls, callable):
            if not attr.startswith("_"):
                names.append(f"{svc}.{attr}")
    return sorted(names)


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", required=True, help="http://127.0.0.1:PORT/api/shared/v1")
    ap.add_argument("--token", required=True, help="the workspace owner's admin token")
    args = ap.parse_args()

    t0 = time.monotonic()
    runner = Runner()
    rx = Receiver()
    await rx.start()
    x = Ctx(args.base_url.rstrip("/"), args.token, runner, rx)
    stopped: set[str] = set()
    for area in AREAS:
        name = area.__name__
        missing = [n for n in NEEDS.get(name, []) if n in stopped]
        if missing:
            stopped.add(name)
            runner.aborted.append((name, f"skipped: {', '.join(missing)} stopped early"))
            continue
        try:
            await area(x)
        except Abort as a:
            stopped.add(name)
            runner.aborted.append((name, f"stopped at {a}"))
        except Exception as exc:  # a bug outside any step: report it against the area
            runner.fail(f"<{area.__name__}>", "outside a step", _describe(exc), EXCHANGES[-1] if EXCHANGES else None)
            traceback.print_exc()
    await x.close()
    await rx.close()

    methods = public_methods()
    failed_by: dict[str, list[Failure]] = {}
    for f in runner.failures:
        failed_by.setdefault(f.method, []).append(f)
    ok = failed = 0
    print()
    for name in methods:
        if name in SKIP:
            print(f"skip   {name} — {SKIP[name]}")
            continue
        fs = failed_by.get(name)
        if fs:
            failed += 1
            f = fs[0]
            more = f" (+{len(fs) - 1} more)" if len(fs) > 1 else ""
            ex = f" || {f.exchange.line(300)}" if f.exchange else ""
            print(f"FAIL   {name} — {f.what}: {f.message}{more}{ex}")
        elif runner.calls.get(name):
            ok += 1
            print(f"ok     {name}")
        else:
            failed += 1
            why = "; ".join(f"{a} {m}" for a, m in runner.aborted) or "no area calls it"
            print(f"FAIL   {name} — never called ({why})")
    stray = [m for m in failed_by if m not in methods]
    for name in stray:
        for f in failed_by[name]:
            print(f"FAIL   {name} — {f.what}: {f.message}")

    if runner.failures:
        print("\nFailures in detail:")
        for f in runner.failures:
            print(f"- {f.method} — {f.what}\n    {f.message}")
            if f.exchange:
                print(f"    {f.exchange.line(2000)}")
    server_errors = [e for e in EXCHANGES if e.status >= 500]
    limited = [e for e in EXCHANGES if e.status == 429]
    if server_errors:
        print(f"\n{len(server_errors)} server error(s) (5xx), first: {server_errors[0].line(400)}")
    if limited:
        print(f"\n{len(limited)} request(s) were rate-limited (429) and retried by the SDK")
    counted = len([m for m in methods if m not in SKIP])
    if stray:
        print(f"\n{sum(len(failed_by[m]) for m in stray)} failure(s) outside any SDK method (see above)")
    print(f"\n{len(EXCHANGES)} HTTP requests in {time.monotonic() - t0:.1f} s")
    print(f"{counted} methods, {ok} ok, {failed} failed")
    return 1 if failed or stray or server_errors else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
