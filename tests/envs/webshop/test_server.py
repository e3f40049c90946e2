"""``palaestra shop serve``: the env's pages over real HTTP on 127.0.0.1, element for element, with
hostile text escaped and bad requests refused."""

import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import gymnasium as gym
import pytest

pytest.importorskip("rapidfuzz")
pytest.importorskip("bm25s")

import palaestra  # noqa: E402, F401
from palaestra.envs.webshop.server import shop_server  # noqa: E402
from palaestra.envs.webshop.site import SEP  # noqa: E402


class Elements(HTMLParser):
    """The visible texts of a page's ``.el`` elements, in order (the hidden inputs carry none)."""

    def __init__(self):
        super().__init__()
        self.texts, self._depth, self._open = [], 0, False

    def handle_starttag(self, tag, attrs):
        if tag == "input":  # no end tag follows
            return
        if self._open:
            self._depth += 1
        elif "el" in (dict(attrs).get("class") or "").split():
            self._open, self._depth = True, 1
            self.texts.append("")

    def handle_endtag(self, tag):
        if self._open:
            self._depth -= 1
            self._open = self._depth > 0

    def handle_data(self, data):
        if self._open:
            self.texts[-1] += data

    @classmethod
    def of(cls, page: str) -> list[str]:
        parser = cls()
        parser.feed(page)
        return [" ".join(text.split()) for text in parser.texts]


@pytest.fixture(scope="module")
def server():
    served = shop_server(0, "WebShop-Text-v0", {"difficulty": "easy"}, first_seed=11)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    host, port = served.server_address[:2]
    yield served, f"http://{host}:{port}"
    served.shutdown()
    served.server_close()


def post(url: str, **form) -> tuple[str, str]:
    """POST a form; returns the page it redirects to and that page's URL."""
    data = urllib.parse.urlencode(form).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
        return response.read().decode(), response.url


def test_the_pages_are_the_envs_observations(server):
    _, base = server
    env = gym.make("WebShop-Text-v0", difficulty="easy")
    obs, _ = env.reset(seed=4)
    page, url = post(f"{base}/new", seed="4")
    assert Elements.of(page) == obs.split(SEP)
    unwrapped = env.unwrapped
    actions = [("search", unwrapped.expert_action()[len("search[") : -1])]
    while True:
        kind, argument = actions[-1]
        obs, reward, terminated, truncated, info = env.step(f"{kind}[{argument}]")
        page, _ = post(f"{url}/{kind}", **{"keywords" if kind == "search" else "element": argument})
        assert Elements.of(page) == obs.split(SEP)
        if terminated:
            break
        actions.append(("click", unwrapped.expert_action()[len("click[") : -1]))
    assert reward == 1.0 and "Your score (min 0.0, max 1.0)" in page
    assert "Shop again" in page
    env.close()


def test_hostile_text_is_escaped_and_bad_requests_are_refused(server):
    served, base = server
    page, url = post(f"{base}/new")  # no seed: the server's next one
    assert "Step 0 of 15" in page
    page, _ = post(f"{url}/click", element="<script>alert(1)</script>")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Invalid action" in page
    for path, form in ((f"{base}/new", {"seed": "-1"}), (f"{base}/new", {"seed": "x" * 40})):
        with pytest.raises(urllib.error.HTTPError) as refused:
            post(path, **form)
        assert refused.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/visit/nobody", timeout=10)
    assert missing.value.code == 404
    huge = urllib.request.Request(f"{url}/search", data=b"keywords=" + b"a" * (1 << 17))
    with pytest.raises(urllib.error.HTTPError) as too_big:
        urllib.request.urlopen(huge, timeout=10)
    assert too_big.value.code == 400


def test_the_cli_serves_on_loopback():
    server = subprocess.Popen(
        [sys.executable, "-m", "palaestra", "shop", "serve", "--port", "0", "--seed", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url + server.stderr.read()
        page, _ = post(url + "new")
        env = gym.make("WebShop-Text-v0")
        obs, _ = env.reset(seed=2)
        assert Elements.of(page) == obs.split(SEP)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize(
    "env_id, said",
    [
        ("Snake-Text-v0", "no WebShop id"),
        ("WebShop-v0", "set PALAESTRA_WEBSHOP_DIR"),
        ("Nope-v0", "unknown env id"),
    ],
)
def test_the_cli_refuses_other_ids_and_says_how_to_get_the_data(env_id, said):
    environment = {k: v for k, v in os.environ.items() if k != "PALAESTRA_WEBSHOP_DIR"}
    result = subprocess.run(
        [sys.executable, "-m", "palaestra", "shop", "serve", "--env", env_id],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
    )
    assert result.returncode == 2 and said in " ".join(result.stdout.split()), result.stdout + result.stderr
