"""Real receivers for notification tests: an SMTP server (aiosmtpd) and a webhook endpoint (a
FastAPI app under uvicorn) that checks the HMAC signature the way docs/alerts.md tells receivers to."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
import threading
import time
from email.message import Message
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request, Response

from tests.conftest import free_port


class SMTPServer:
    """An aiosmtpd server on a free port that keeps every message it receives."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[tuple[list[str], Message]] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"

    def start(self) -> SMTPServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def plain_text(message: Message) -> str:
    """The text/plain part of ``message``, decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text/plain part")


class WebhookReceiver:
    """A webhook endpoint at ``url`` that answers 500 to its first ``failures`` authentic requests,
    401 to requests whose signature does not verify, and 200 otherwise (keeping the payload)."""

    def __init__(self, secret: str | None, failures: int = 0) -> None:
        self.secret = secret
        self.failures = failures
        self.hits = 0
        self.rejected = 0
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            self.hits += 1
            if self.secret is not None and not _authentic(self.secret, body, request.headers):
                self.rejected += 1
                return Response(status_code=401)
            if self.failures > 0:
                self.failures -= 1
                return Response(status_code=500)
            self.received.append(json.loads(body))
            self.headers.append(dict(request.headers))
            return Response(status_code=204)

        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the webhook receiver did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


def _authentic(secret: str, body: bytes, headers: Any) -> bool:
    """The receiver's check, written out as docs/alerts.md describes it."""
    timestamp = headers.get("X-Northstar-Timestamp", "")
    received = headers.get("X-Northstar-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)
