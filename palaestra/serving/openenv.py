"""Palaestra envs over OpenEnv's HTTP and WebSocket protocol, on ``openenv-core``'s own server.

``openenv-core``'s ``HTTPEnvServer`` does the protocol: ``/ws`` holds one session per connection,
each with its own env made by the factory here and closed when the connection ends or stays idle
past ``session_timeout``; ``/reset``, ``/step``, ``/state``, ``/schema``, ``/metadata`` and
``/health`` are its HTTP routes. This module supplies the environment behind a session
(``PalaestraEnvironment``), the action, observation and state models, a typed client
(``PalaestraEnvClient``, an ``EnvClient``), and ``EnvServer``, which runs it all under uvicorn.

The messages of a session, as ``EnvClient`` sends them::

    reset  {"seed": 3, "task_id": "...", "env_id": "Snake-Text-v0", "env_kwargs": {"size": 8},
            "options": {...}}                          every key optional
    step   {"text": "<action>up</action>"}             the agent's reply, as ``env.step`` takes it

and every answer is an observation: ``text``, ``image`` (a base64 PNG, ``-Vision-`` ids only),
``info`` (the env's info dict, made JSON), ``tools`` (at reset, tool envs), ``terminated``,
``truncated``, plus OpenEnv's ``reward`` and ``done``. A bad message gets an error reply naming what
is wrong, and the session goes on.

    >>> with EnvServer(["Snake-Text-v0"]) as server:                        # doctest: +SKIP
    ...     with PalaestraEnvClient(base_url=server.base_url).sync() as env:
    ...         result = env.reset(seed=0)
    ...         result = env.step("<action>up</action>")
"""

from __future__ import annotations

import base64
import functools
import io
import socket
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from palaestra.serving import require_extra

require_extra("openenv", "palaestra's OpenEnv server")

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI, Request, WebSocketDisconnect  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from openenv.core.client_types import StepResult  # noqa: E402
from openenv.core.env_client import EnvClient  # noqa: E402
from openenv.core.env_server.http_server import HTTPEnvServer  # noqa: E402
from openenv.core.env_server.interfaces import Environment  # noqa: E402
from openenv.core.env_server.types import (  # noqa: E402
    Action,
    ConcurrencyConfig,
    EnvironmentMetadata,
    Observation,
    State,
)
from pydantic import Field  # noqa: E402

import palaestra  # noqa: E402
from palaestra.core import info as keys  # noqa: E402
from palaestra.core.env import TextEnv  # noqa: E402
from palaestra.core.registry import registered_envs  # noqa: E402

DEFAULT_HOST = "127.0.0.1"
DEFAULT_MAX_SESSIONS = 256
DEFAULT_SESSION_TIMEOUT = 600.0  # seconds a session may stay idle before its env is closed
MAX_ACTION_CHARS = 1 << 20  # TextEnv's own bound on a reply
RESET_KEYS = ("seed", "episode_id", "env_id", "task_id", "env_kwargs", "options")


class TextAction(Action):
    """One agent reply: the text ``env.step`` takes (DESIGN.md, "Action text")."""

    text: str = Field(max_length=MAX_ACTION_CHARS, description="the agent's reply")


class TextObservation(Observation):
    """What the env shows after a reset or a step."""

    text: str = Field(default="", description="the observation text")
    image: str | None = Field(default=None, description="-Vision- ids: the frame as a base64 PNG")
    info: dict[str, Any] = Field(default_factory=dict, description="the env's info dict, as JSON")
    tools: list[dict[str, Any]] | None = Field(default=None, description="at reset: the env's tool schemas")
    terminated: bool = Field(default=False, description="the episode reached an end state")
    truncated: bool = Field(default=False, description="the episode was cut short")


class EpisodeState(State):
    """The session's episode: which env, seed and task, how far, and whether it is over."""

    env_id: str | None = None
    env_kwargs: dict[str, Any] = Field(default_factory=dict)
    seed: int | None = None
    task_id: str | None = None
    total_reward: float = 0.0
    done: bool = False


class RequestError(ValueError):
    """A message the env cannot act on (unknown key, env id, kwarg, task id): a 400 over HTTP."""


class NoEpisodeError(RuntimeError):
    """A step outside an episode (before the first reset, after the end): a 409 over HTTP."""


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars and arrays, tuples and sets turned into JSON types."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return str(value)


def encode_image(image: np.ndarray) -> str:
    """An RGB ``uint8`` array as a base64 PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_image(data: str) -> np.ndarray:
    """A base64 PNG (an observation's ``image``) as an RGB ``uint8`` array (H, W, 3)."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


def served_ids(env_ids: Sequence[str]) -> tuple[str, ...]:
    """``env_ids`` checked against Gymnasium's registry; ``RequestError`` naming palaestra's ids if not."""
    if not env_ids:
        raise RequestError("serve at least one env id")
    for env_id in env_ids:
        if env_id not in gym.registry:
            known = ", ".join(entry.id for entry in registered_envs())
            raise RequestError(f"unknown env id {env_id!r}; palaestra's ids are: {known}")
    return tuple(dict.fromkeys(env_ids))


class PalaestraEnvironment(Environment[TextAction, TextObservation, EpisodeState]):
    """One session's env, behind OpenEnv's server. Made by the server's factory, one per session.

    The Gymnasium env is made at the first reset (so the server's probes of ``/metadata`` and
    ``/schema`` make none), and made again when a reset asks for another env id or other kwargs.
    """

    SUPPORTS_CONCURRENT_SESSIONS = True  # each session holds its own env; envs share no state

    def __init__(self, env_ids: tuple[str, ...], env_kwargs: Mapping[str, Mapping[str, Any]]):
        super().__init__()
        self._env_ids = env_ids
        self._default_kwargs = {env_id: dict(env_kwargs.get(env_id, {})) for env_id in env_ids}
        self._env: gym.Env | None = None
        self._made: tuple[str, dict[str, Any]] | None = None  # (env id, kwargs) of self._env
        self._state = EpisodeState()
        self._closed = False

    # -- OpenEnv's Environment --------------------------------------------------------------
    def reset(
        self, seed: int | None = None, episode_id: str | None = None, **request: Any
    ) -> TextObservation:
        self._state = EpisodeState()  # a reset that fails leaves no episode to step in
        unknown = sorted(set(request) - set(RESET_KEYS))
        if unknown:
            raise RequestError(
                f"reset takes no {', '.join(map(repr, unknown))}; it takes: {', '.join(RESET_KEYS)}"
            )
        env_id = request.get("env_id")
        if env_id is None:
            if len(self._env_ids) > 1:
                raise RequestError(
                    f"this server serves several envs; reset needs an env_id: {', '.join(self._env_ids)}"
                )
            env_id = self._env_ids[0]
        if env_id not in self._env_ids:
            raise RequestError(
                f"this server does not serve {env_id!r}; it serves: {', '.join(self._env_ids)}"
            )
        given_kwargs = request.get("env_kwargs") or {}
        options = request.get("options") or {}
        if not isinstance(given_kwargs, dict) or not isinstance(options, dict):
            raise RequestError("env_kwargs and options must be JSON objects")
        if "task_id" in request and request["task_id"] is not None:
            options = {**options, "task_id": request["task_id"]}
        kwargs = {**self._default_kwargs[env_id], **given_kwargs}
        env = self._make(env_id, kwargs)
        try:
            observation, info = env.reset(seed=seed, options=options or None)
        except ValueError as error:  # an unknown option, task id or split, a bad seed
            raise RequestError(str(error)) from None
        self._state = EpisodeState(
            episode_id=episode_id,
            env_id=env_id,
            env_kwargs=kwargs,
            seed=seed,
            task_id=env.unwrapped.task_id,
        )
        return self._observation(observation, 0.0, False, False, info, tools=info.get(keys.TOOLS))

    def step(self, action: TextAction, timeout_s: float | None = None, **_: Any) -> TextObservation:
        if self._env is None or self._state.env_id is None:
            raise NoEpisodeError("no episode in this session yet: send a reset first")
        if self._state.done:
            raise NoEpisodeError("the episode has ended: send a reset to start another")
        observation, reward, terminated, truncated, info = self._env.step(action.text)
        self._state.step_count += 1
        self._state.total_reward += float(reward)
        self._state.done = bool(terminated or truncated)
        return self._observation(observation, float(reward), terminated, truncated, info)

    @property
    def state(self) -> EpisodeState:
        return self._state

    def get_metadata(self) -> EnvironmentMetadata:
        catalogue = {entry.id: entry.summary for entry in registered_envs()}
        summaries = "; ".join(
            f"{env_id}: {catalogue.get(env_id, 'a Gymnasium env')}" for env_id in self._env_ids
        )
        return EnvironmentMetadata(
            name=", ".join(self._env_ids),
            description=f"palaestra envs over OpenEnv. {summaries}",
            version=palaestra.__version__,
            documentation_url="docs/integrations.md",
        )

    def close(self) -> None:
        self._closed = True
        env, self._env, self._made = self._env, None, None
        if env is not None:
            env.close()

    @property
    def closed(self) -> bool:
        """Whether the server has closed this session's env."""
        return self._closed

    # -- the palaestra side ---------------------------------------------------------------------
    def _make(self, env_id: str, kwargs: dict[str, Any]) -> gym.Env:
        if self._env is not None and self._made == (env_id, kwargs):
            return self._env
        if self._env is not None:
            self._env.close()
            self._env = self._made = None
        try:
            env = gym.make(env_id, **kwargs)
        except (TypeError, ValueError) as error:  # the constructor's words for an unknown or bad kwarg
            raise RequestError(f"{env_id} cannot be made with {kwargs}: {error}") from None
        if not isinstance(env.unwrapped, TextEnv):
            env.close()
            raise RequestError(f"{env_id} is not a palaestra TextEnv")
        self._env, self._made = env, (env_id, kwargs)
        return env

    @staticmethod
    def _observation(
        observation: Any,
        reward: float,
        terminated: bool,
        truncated: bool,
        info: dict[str, Any],
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> TextObservation:
        if isinstance(observation, dict):
            text, image = observation["text"], encode_image(observation["image"])
        else:
            text, image = observation, None
        return TextObservation(
            text=text,
            image=image,
            info=jsonable(info),
            tools=jsonable(tools) if tools is not None else None,
            terminated=bool(terminated),
            truncated=bool(truncated),
            reward=reward,
            done=bool(terminated or truncated),
        )


class PalaestraEnvClient(EnvClient[TextAction, TextObservation, EpisodeState]):
    """OpenEnv's ``EnvClient`` for a palaestra server: ``step`` takes the reply text or a ``TextAction``.

    ``reset(seed=..., task_id=..., env_id=..., env_kwargs=..., options=...)``; ``.sync()`` gives the
    blocking client.
    """

    def _step_payload(self, action: TextAction | str) -> dict[str, Any]:
        return {"text": action} if isinstance(action, str) else action.model_dump(exclude={"metadata"})

    def _parse_result(self, payload: dict[str, Any]) -> StepResult[TextObservation]:
        observation = TextObservation(
            **payload.get("observation", {}), reward=payload.get("reward"), done=payload.get("done", False)
        )
        return StepResult(observation=observation, reward=observation.reward, done=observation.done)

    def _parse_state(self, payload: dict[str, Any]) -> EpisodeState:
        return EpisodeState(**payload)


class _QuietDisconnects:
    """ASGI wrapper: openenv-core 0.3 closes a WebSocket its client already closed, which raises
    ``WebSocketDisconnect`` after the session is cleaned up; that is the normal end, not an error."""

    def __init__(self, app: FastAPI):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except WebSocketDisconnect:
            if scope["type"] != "websocket":
                raise


def _request_error(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=400 if isinstance(error, RequestError) else 409)


def create_app(
    env_ids: Sequence[str],
    *,
    env_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    session_timeout: float | None = DEFAULT_SESSION_TIMEOUT,
) -> tuple[FastAPI, HTTPEnvServer]:
    """The FastAPI app serving ``env_ids`` through OpenEnv's ``HTTPEnvServer``, and that server.

    ``env_kwargs`` maps an env id to the constructor kwargs its sessions start from (a reset's
    ``env_kwargs`` go over them).
    """
    ids = served_ids(env_ids)
    factory = functools.partial(PalaestraEnvironment, ids, dict(env_kwargs or {}))
    config = ConcurrencyConfig(max_concurrent_envs=max_sessions, session_timeout=session_timeout)
    server = HTTPEnvServer(factory, TextAction, TextObservation, concurrency_config=config)
    app = FastAPI(title="palaestra OpenEnv server", version=palaestra.__version__)
    server.register_routes(app)
    app.add_exception_handler(RequestError, _request_error)
    app.add_exception_handler(NoEpisodeError, _request_error)
    return app, server


class EnvServer:
    """``create_app`` under uvicorn on ``host``:``port`` (0: a free port), in a background thread.

    ``base_url`` is where it listens; ``sessions`` is OpenEnv's server, for its session counts.
    A context manager: the server stops on exit.
    """

    def __init__(
        self,
        env_ids: Sequence[str],
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        env_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        session_timeout: float | None = DEFAULT_SESSION_TIMEOUT,
    ):
        self.app, self.sessions = create_app(
            env_ids, env_kwargs=env_kwargs, max_sessions=max_sessions, session_timeout=session_timeout
        )
        self._socket = socket.create_server((host, port), backlog=2048)
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            _QuietDisconnects(self.app), log_level="warning", ws_max_size=8 << 20, timeout_graceful_shutdown=5
        )
        self._uvicorn = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._uvicorn.run(sockets=[self._socket])

    def start(self) -> EnvServer:
        """Serve in a background thread; return once the server accepts connections."""
        self._thread = threading.Thread(target=self.serve_forever, name="palaestra-serve-env", daemon=True)
        self._thread.start()
        while not self._uvicorn.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the env server on {self.base_url} failed to start")
            self._thread.join(0.01)
        return self

    def stop(self) -> None:
        self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self._socket.close()

    def __enter__(self) -> EnvServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    env_ids: Sequence[str],
    *,
    host: str = DEFAULT_HOST,
    port: int = 8000,
    env_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    session_timeout: float | None = DEFAULT_SESSION_TIMEOUT,
    announce: Any = print,
) -> None:
    """Serve ``env_ids`` until interrupted (``palaestra serve-env``); ``announce`` gets the URL."""
    server = EnvServer(
        env_ids,
        host=host,
        port=port,
        env_kwargs=env_kwargs,
        max_sessions=max_sessions,
        session_timeout=session_timeout,
    )
    announce(server.base_url)
    server.serve_forever()
