"""``palaestra shop serve``: WebShop's pages as real HTML on 127.0.0.1, so a person can shop by hand.

Each visit is an episode of the env itself (``gym.make``, with its step limit): a search form posts
``search[keywords]``, every button posts ``click[its label]``, and the page drawn is the env's page,
element for element, so the visible texts of the ``.el`` elements, in order, are the text
observation's pieces. A person's episode is an agent's episode, with the same seed giving the same
instruction.

    GET  /                 a form that starts a visit (seed optional)
    POST /new              start a visit -> 303 to /visit/ID
    GET  /visit/ID         the visit's page
    POST /visit/ID/search  keywords=...
    POST /visit/ID/click   element=...
"""

from __future__ import annotations

import html
import itertools
import secrets
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import gymnasium as gym

from palaestra.core import info as keys
from palaestra.envs.webshop.site import Element, Visit

HOST = "127.0.0.1"  # never another interface: this is a page for the person at this machine
MAX_FORM_BYTES = 1 << 16
MAX_VISITS = 1000  # the oldest visit is dropped past this many
STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 1em auto; }
.el { margin: 0.25em 0; } form.inline { display: inline; }
button.option { border: 1px solid #888; background: #fff; } button.option.selected { background: #fc6; }
button.product-link { border: none; background: none; color: #06c; text-decoration: underline; }
.error { color: #b00; } .status { color: #555; }
"""


@dataclass
class ShopVisit:
    env: gym.Env
    info: dict[str, Any]
    ended: bool = False
    truncated: bool = False
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class ShopServer(ThreadingHTTPServer):
    """Serves visits of ``env_id`` (made with ``env_kwargs``); visits without a seed take seeds
    ``first_seed``, ``first_seed + 1``, ..."""

    daemon_threads = True

    def __init__(self, port: int, env_id: str, env_kwargs: dict[str, Any], first_seed: int = 0):
        gym.make(env_id, **env_kwargs).close()  # a bad id or argument fails here, not on the first visit
        super().__init__((HOST, port), ShopHandler)
        self.env_id, self.env_kwargs = env_id, env_kwargs
        self.seeds = itertools.count(first_seed)
        self.visits: dict[str, ShopVisit] = {}
        self.lock = threading.Lock()

    def start_visit(self, seed: int | None) -> str:
        env = gym.make(self.env_id, **self.env_kwargs)
        with self.lock:
            seed = next(self.seeds) if seed is None else seed
        _, info = env.reset(seed=seed)
        visit_id = secrets.token_urlsafe(9)
        with self.lock:
            self.visits[visit_id] = ShopVisit(env, info)
            if len(self.visits) > MAX_VISITS:
                oldest = next(iter(self.visits))
                self.visits.pop(oldest).env.close()
        return visit_id

    def server_close(self) -> None:
        super().server_close()
        with self.lock:
            for visit in self.visits.values():
                visit.env.close()
            self.visits.clear()


def shop_server(
    port: int = 8000,
    env_id: str = "WebShop-Text-v0",
    env_kwargs: dict[str, Any] | None = None,
    first_seed: int = 0,
) -> ShopServer:
    """A server (not yet serving) on 127.0.0.1:``port`` (0: any free port; see ``server_address``)."""
    return ShopServer(port, env_id, dict(env_kwargs or {}), first_seed)


class ShopHandler(BaseHTTPRequestHandler):
    server: ShopServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass  # a visit is no log line

    def do_GET(self) -> None:
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if parts == [""]:
            return self._page("WebShop", _start_form("Start shopping"))
        if len(parts) == 2 and parts[0] == "visit":
            visit = self.server.visits.get(parts[1])
            if visit is None:
                return self._missing()
            with visit.lock:
                body = _visit_body(parts[1], visit)
            return self._page("WebShop", body)
        return self._missing()

    def do_POST(self) -> None:
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        form = self._form()
        if form is None:
            return self._send(HTTPStatus.BAD_REQUEST, "<p>The form is too large or not a form.</p>")
        if parts == ["new"]:
            seed = form.get("seed", "").strip()
            if seed and not (seed.isdigit() and len(seed) < 19):
                return self._send(HTTPStatus.BAD_REQUEST, "<p>The seed must be a non-negative integer.</p>")
            return self._redirect(f"/visit/{self.server.start_visit(int(seed) if seed else None)}")
        if len(parts) == 3 and parts[0] == "visit" and parts[2] in ("search", "click"):
            visit = self.server.visits.get(parts[1])
            if visit is None:
                return self._missing()
            argument = form.get("keywords" if parts[2] == "search" else "element", "")
            with visit.lock:
                if not visit.ended:
                    _, _, terminated, truncated, info = visit.env.step(f"{parts[2]}[{argument}]")
                    visit.info, visit.error = info, info.get(keys.ACTION_ERROR)
                    visit.ended, visit.truncated = terminated or truncated, truncated
            return self._redirect(f"/visit/{parts[1]}")
        return self._missing()

    # -- plumbing -------------------------------------------------------------------------------
    def _form(self) -> dict[str, str] | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if not 0 <= length <= MAX_FORM_BYTES:
            return None
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        return {name: values[-1] for name, values in parse_qs(raw, keep_blank_values=True).items()}

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _missing(self) -> None:
        self._send(HTTPStatus.NOT_FOUND, "<p>No such page or visit.</p>" + _start_form("Start a new visit"))

    def _page(self, title: str, body: str) -> None:
        self._send(HTTPStatus.OK, body, title)

    def _send(self, status: HTTPStatus, body: str, title: str = "WebShop") -> None:
        page = (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(page)


def _start_form(label: str) -> str:
    return (
        "<form method='post' action='/new' id='start'>"
        "<label>Seed (empty: the next one) <input name='seed' id='seed_input' inputmode='numeric'></label> "
        f"<button type='submit' class='btn'>{html.escape(label)}</button></form>"
    )


def _visit_body(visit_id: str, visit: ShopVisit) -> str:
    world: Visit = visit.env.unwrapped.visit
    steps = visit.env.spec.max_episode_steps if visit.env.spec else None
    status = f"Step {visit.info.get(keys.TURN, 0)}" + (f" of {steps}" if steps else "")
    parts = [f"<p class='status'>{html.escape(status)}</p>"]
    if visit.error:
        parts.append(f"<p class='error'>Invalid action: {html.escape(visit.error)}</p>")
    elements = world.elements()
    parts += [
        f"<div class='el said'>You have clicked {html.escape(e.label)}.</div>"
        for e in elements
        if e.role == "option" and e.selected
    ]
    parts += [_element(visit_id, e) for e in elements]
    if visit.truncated:
        parts.append("<p class='error' id='ended'>The visit is over: out of steps, with nothing bought.</p>")
    if visit.ended:
        parts.append(_start_form("Shop again"))
    return "\n".join(parts)


def _element(visit_id: str, element: Element) -> str:
    label = html.escape(element.label)
    if element.role == "text":
        return f"<div class='el text'>{label}</div>"
    if element.role == "search":
        return (
            f"<form class='el' method='post' action='/visit/{visit_id}/search'>"
            "<input id='search_input' name='keywords' size='60' autofocus> "
            f"<button type='submit' class='btn search'>{label}</button></form>"
        )
    kind = {"button": "btn", "product": "product-link", "option": "option"}[element.role]
    if element.selected:
        kind += " selected"
    pressed = f" aria-pressed='{str(element.selected).lower()}'" if element.role == "option" else ""
    return (
        f"<form class='el inline' method='post' action='/visit/{visit_id}/click'>"
        f"<input type='hidden' name='element' value='{label}'>"
        f"<button type='submit' class='{kind}'{pressed}>{label}</button></form>"
    )
