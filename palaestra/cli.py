"""The ``palaestra`` command: list, play and check envs; evaluate agents; build leaderboards."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import palaestra
from palaestra.core import env_entry, registered_envs
from palaestra.core.errors import UsageError
from palaestra.core.registry import missing_extra
from palaestra.core.runs import CorruptRecordError, RunDirError

app = typer.Typer(
    help="Palaestra: Gymnasium environments for LLM agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()

# What bad input raises: a UsageError where input is validated, and a run folder that is damaged or
# in use. Anything else is a bug and keeps its traceback.
USER_ERRORS = (UsageError, RunDirError, CorruptRecordError)
ENV_KWARG_HELP = "Env constructor argument as KEY=VALUE, VALUE read as JSON (repeatable), e.g. size=8."


def _fail(error: Exception) -> None:
    console.print(f"[red]error:[/] {escape(str(error))}", soft_wrap=True)  # one line, however long
    raise typer.Exit(2)


def _known_env(env_id: str) -> None:
    """``UsageError`` naming the registered ids unless ``env_id`` is one."""
    try:
        env_entry(env_id)
    except KeyError as error:
        raise UsageError(error.args[0]) from None


def _env_kwargs(env_ids: list[str], pairs: list[str] | None) -> dict:
    """The ``--env-kwarg`` values, checked up front by making and resetting each env once with them."""
    import gymnasium as gym

    from palaestra.evaluation.evaluate import parse_key_values

    kwargs = parse_key_values(pairs or [], "env kwarg")
    for env_id in env_ids:
        _known_env(env_id)
        if not kwargs:
            continue
        try:
            env = gym.make(env_id, **kwargs)
            try:
                env.reset(seed=0)
            finally:
                env.close()
        except (TypeError, ValueError) as error:  # the constructor's words for an unknown or bad argument
            given = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
            raise UsageError(f"{env_id} does not take {given}: {error}") from None
    return kwargs


@app.command("list")
def list_envs(family: str = typer.Option(None, help="Only this family.")) -> None:
    """List the registered env ids with their family, modality, capabilities and summary."""
    table = Table(title=f"palaestra {palaestra.__version__}: registered environments")
    for column in ("id", "family", "modality", "needs", "expert", "deterministic", "summary"):
        table.add_column(column)
    for entry in registered_envs(family):
        missing = entry.extra is not None and missing_extra(entry.extra) is not None
        needs = "-" if entry.extra is None else entry.extra + (" (not installed)" if missing else "")
        if entry.data:  # a data set palaestra does not ship: the variable naming its files
            needs += f" + ${entry.data[0]}"
        yes_no = {True: "yes", False: "no"}
        table.add_row(
            entry.id,
            entry.family,
            entry.modality,
            needs,
            yes_no[entry.expert],
            yes_no[entry.deterministic],
            entry.summary,
        )
    console.print(table)


@app.command()
def play(
    env_id: str = typer.Argument(..., help="An id from `palaestra list`."),
    seed: int = typer.Option(0, help="Episode seed."),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", help=ENV_KWARG_HELP),
) -> None:
    """Play an env yourself: type actions in the terminal; -Vision- ids also open a window."""
    from palaestra.agents.human import play as play_episode

    try:
        kwargs = _env_kwargs([env_id], env_kwarg)
        code = play_episode(env_id, seed=seed, console=console, env_kwargs=kwargs)
    except USER_ERRORS as error:
        _fail(error)
    raise typer.Exit(code)


@app.command()
def check(env_ids: list[str] = typer.Argument(None, help="Ids to check (default: all).")) -> None:
    """Run the conformance checks on env ids and print a report; exit 1 if any check fails."""
    from palaestra.core.conformance import run_checks

    ids = env_ids or [entry.id for entry in registered_envs()]
    try:
        for env_id in ids:
            _known_env(env_id)
    except UsageError as error:
        _fail(error)
    failed = skipped = 0
    for env_id in ids:
        table = Table(title=env_id, title_justify="left")
        for column in ("check", "result", "seconds", "detail"):
            table.add_column(column)
        for result in run_checks(env_id):
            failed += not result.passed
            skipped += result.skipped
            verdict = (
                "[yellow]skip[/]" if result.skipped else "[green]pass[/]" if result.passed else "[red]FAIL[/]"
            )
            table.add_row(result.name, verdict, f"{result.seconds:.2f}", escape(result.message))
        console.print(table)
    console.print(f"{len(ids)} env(s) checked, {failed} check(s) failed, {skipped} skipped.")
    raise typer.Exit(1 if failed else 0)


@app.command("serve-test-llm")
def serve_test_llm(
    port: int = typer.Option(8000, help="Port on 127.0.0.1 (0: any free port; the URL is printed)."),
    script: str = typer.Option(None, help='JSON file: a list of replies, or {"rule": "action_example"}.'),
    model_path: str = typer.Option(None, "--model-path", help="Reply with this local transformers model."),
    model: str = typer.Option("test-model", help="Model name listed by /v1/models."),
    latency: float = typer.Option(0.0, help="Seconds added before every reply."),
    faults: str = typer.Option("", help="Faults, in order: e.g. '429,500x2,hang,malformed,empty' or '500*'."),
) -> None:
    """Serve a small OpenAI-compatible chat endpoint for tests and benchmarks (scripted replies, faults)."""
    from palaestra.agents.llm.testserver import serve

    try:
        serve(
            port=port,
            script=script,
            model_path=model_path,
            model=model,
            latency=latency,
            faults=faults,
            announce=lambda url: print(url, flush=True),
        )
    except OSError as error:  # the port is taken or not ours to bind
        _fail(UsageError(f"cannot serve on 127.0.0.1:{port}: {error.strerror or error}"))
    except USER_ERRORS as error:
        _fail(error)


@app.command("serve-env")
def serve_env(
    env_ids: list[str] = typer.Argument(..., help="Env ids to serve; a reset picks one with env_id."),
    host: str = typer.Option("127.0.0.1", help="Address to bind (0.0.0.0 exposes it to the network)."),
    port: int = typer.Option(8000, help="Port (0: any free port; the URL is printed)."),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", help=ENV_KWARG_HELP),
    max_sessions: int = typer.Option(256, help="Sessions (one env each) open at once."),
    session_timeout: float = typer.Option(600.0, help="Idle seconds before a session's env closes."),
) -> None:
    """Serve envs over OpenEnv's HTTP and WebSocket protocol (one env per session) until Ctrl-C."""
    try:
        from palaestra.serving.openenv import serve

        kwargs = _env_kwargs(env_ids, env_kwarg)
        serve(
            env_ids,
            host=host,
            port=port,
            env_kwargs={env_id: kwargs for env_id in env_ids},
            max_sessions=max_sessions,
            session_timeout=session_timeout,
            announce=lambda url: print(url, flush=True),
        )
    except OSError as error:  # the port is taken or not ours to bind
        _fail(UsageError(f"cannot serve on {host}:{port}: {error.strerror or error}"))
    except (*USER_ERRORS, ValueError) as error:
        _fail(error)
    except KeyboardInterrupt:
        pass


def _agent_options(given: dict, pairs: list[str] | None) -> dict:
    """The agent options the user set (unset ones are left to the backend's defaults)."""
    from palaestra.evaluation.evaluate import parse_key_values

    options = {k: v for k, v in given.items() if v is not None and v != []}
    return {**options, **parse_key_values(pairs or [])}


def _setting_changes(**given: object) -> dict:
    """The run settings set on the command line, each checked by ``RunSettings``."""
    from palaestra.evaluation import RunSettings

    changes = {k: v for k, v in given.items() if v is not None}
    try:
        RunSettings(**changes)
    except ValueError as error:
        raise UsageError(str(error)) from None
    return changes


def _load_suite(name: str):
    from palaestra.evaluation import load_suite

    try:
        return load_suite(name)
    except KeyError as error:
        raise UsageError(error.args[0]) from None


@app.command("suites")
def suites() -> None:
    """List the evaluation suites with their versions, envs and episodes."""
    from palaestra.evaluation.suites import load_suite, suite_names

    table = Table(title="palaestra suites")
    for column in ("suite", "version", "envs", "episodes", "description"):
        table.add_column(column)
    for name in suite_names():
        suite = load_suite(name)
        envs = ", ".join(env.env_id for env in suite.envs)
        table.add_row(
            suite.id, suite.version, escape(envs), str(len(suite.tasks())), escape(suite.description)
        )
    console.print(table)


@app.command("eval")
def eval_agent(
    suite: str = typer.Option(None, help="A suite from `palaestra suites`."),
    env: list[str] = typer.Option(None, "--env", help="Env id(s) instead of a suite (repeatable)."),
    episodes: int = typer.Option(10, help="Episodes per env with --env."),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", help=f"With --env: {ENV_KWARG_HELP}"),
    agent: str = typer.Option(None, help="Agent spec: random, expert, openai:MODEL, hf:PATH, vllm:PATH ..."),
    label: str = typer.Option(None, help="The agent's name on leaderboards (default: the spec)."),
    out: str = typer.Option(None, help="Run folder (default: runs/<suite>-<agent>-<time>)."),
    resume: str = typer.Option(None, help="Continue this run folder: skip finished episodes, retry errored."),
    concurrency: int = typer.Option(None, help="Episodes in flight (default 8)."),
    step_timeout: float = typer.Option(None, help="Seconds per agent reply or env step (default 300)."),
    episode_timeout: float = typer.Option(None, help="Seconds per episode (default 3600)."),
    retries: int = typer.Option(None, help="Retries of a failing agent reply (default 3)."),
    retry_backoff: float = typer.Option(None, help="Seconds before the first retry, doubling (default 1)."),
    backend: str = typer.Option("asyncio", help="asyncio (this process) or ray."),
    ray_address: str = typer.Option(None, help="Ray cluster address for --backend ray."),
    progress: bool = typer.Option(True, help="Show the progress bar."),
    base_url: str = typer.Option(None, help="LLM: OpenAI-compatible endpoint URL."),
    api_key_env: str = typer.Option(None, help="LLM: environment variable holding the API key."),
    temperature: float = typer.Option(None, help="LLM: sampling temperature."),
    top_p: float = typer.Option(None, help="LLM: nucleus sampling."),
    max_tokens: int = typer.Option(None, help="LLM: tokens per reply."),
    stop: list[str] = typer.Option(None, help="LLM: stop string (repeatable)."),
    sampling_seed: int = typer.Option(None, help="LLM: sampling seed."),
    request_timeout: float = typer.Option(None, help="LLM: seconds per request."),
    max_retries: int = typer.Option(None, help="LLM: client retries per request."),
    agent_option: list[str] = typer.Option(None, help="Any agent option as KEY=VALUE (repeatable)."),
    counterpart: list[str] = typer.Option(
        None,
        help="Multi-agent envs: ROLE=SPEC, an agent playing another role (repeatable), e.g. "
        "listener=openai:MODEL; LLM specs take the agent's options.",
    ),
) -> None:
    """Evaluate an agent on a suite or on env ids; records go to a resumable run folder."""
    from palaestra.evaluation import RunSettings, custom_suite, default_run_dir, evaluate
    from palaestra.evaluation import resume as resume_run
    from palaestra.evaluation.report import metrics_table

    where = {"backend": backend, "ray_address": ray_address, "show_progress": progress, "console": console}
    try:
        llm = {
            "base_url": base_url,
            "api_key_env": api_key_env,
            "temperature": temperature,
            "top_p": top_p,
            "max_tokens": max_tokens,
            "stop": stop,
            "sampling_seed": sampling_seed,
            "request_timeout": request_timeout,
            "max_retries": max_retries,
        }
        options = _agent_options(llm, agent_option)
        changes = _setting_changes(
            concurrency=concurrency,
            step_timeout=step_timeout,
            episode_timeout=episode_timeout,
            max_retries=retries,
            retry_backoff=retry_backoff,
        )
        if suite and env:
            raise UsageError("give --suite or --env, not both")
        if env_kwarg and not env:
            raise UsageError("--env-kwarg goes with --env: a suite fixes the settings of its envs")
        chosen = None
        if suite:
            chosen = _load_suite(suite)
        elif env:
            chosen = custom_suite(list(env), episodes, _env_kwargs(list(env), env_kwarg))
        counterparts = _counterparts(counterpart)
        if resume is not None:
            if counterparts:
                raise UsageError(
                    "a resumed run keeps the counterparts in its meta.json: leave out --counterpart"
                )
            outcome = resume_run(
                resume, suite=chosen, spec=agent, options=options, setting_changes=changes, **where
            )
        elif chosen is None or agent is None:
            raise UsageError("a new run needs --suite or --env, and --agent (or --resume RUN_DIR)")
        else:
            run_dir = out or default_run_dir(chosen.id, label or agent)
            settings = RunSettings(**changes)
            outcome = evaluate(
                run_dir,
                chosen,
                agent,
                options=options,
                label=label,
                settings=settings,
                counterparts=counterparts,
                **where,
            )
    except USER_ERRORS as error:
        _fail(error)
    if outcome.metrics is not None:
        console.print(metrics_table(outcome.metrics, str(outcome.run_dir)))
    if outcome.interrupted:
        console.print(
            f"Interrupted: {outcome.remaining} episode(s) left; finish with "
            f"`palaestra eval --resume {escape(str(outcome.run_dir))}`."
        )
        raise typer.Exit(130)
    console.print(f"Run folder: {escape(str(outcome.run_dir))}")
    if outcome.failure is not None:
        console.print(
            f"[red]error:[/] every episode failed; the last error: {escape(outcome.failure)}", soft_wrap=True
        )
        raise typer.Exit(1)


def _counterparts(pairs: list[str] | None) -> dict[str, str]:
    """The ``--counterpart ROLE=SPEC`` values as role -> spec."""
    counterparts: dict[str, str] = {}
    for pair in pairs or []:
        role, sep, spec = pair.partition("=")
        if not sep or not role.strip() or not spec.strip():
            raise UsageError(f"counterpart {pair!r} is not ROLE=SPEC (e.g. listener=openai:MODEL)")
        if role.strip() in counterparts:
            raise UsageError(f"two counterparts for role {role.strip()!r}")
        counterparts[role.strip()] = spec.strip()
    return counterparts


@app.command()
def bench(
    suite: str = typer.Option("quick", help="A suite from `palaestra suites`."),
    agent: list[str] = typer.Option(
        None, help="Agent specs to compare (default: random and expert, and each bundled policy on its env)."
    ),
    out: str = typer.Option(
        None, help="Output folder (default: runs/<suite>-bench-<time>); one run per agent, reruns resume."
    ),
    concurrency: int = typer.Option(None, help="Episodes in flight (default 8)."),
    backend: str = typer.Option("asyncio", help="asyncio (this process) or ray."),
    ray_address: str = typer.Option(None, help="Ray cluster address for --backend ray."),
    progress: bool = typer.Option(True, help="Show the progress bars."),
    base_url: str = typer.Option(None, help="LLM: OpenAI-compatible endpoint URL."),
    api_key_env: str = typer.Option(None, help="LLM: environment variable holding the API key."),
    temperature: float = typer.Option(None, help="LLM: sampling temperature."),
    max_tokens: int = typer.Option(None, help="LLM: tokens per reply."),
    agent_option: list[str] = typer.Option(
        None, help="Any agent option as KEY=VALUE (repeatable); random and expert take none."
    ),
) -> None:
    """Evaluate agents on a suite (default: random and expert on quick, and each bundled policy on its
    own env beside them) and print the leaderboard."""
    from palaestra.bench import DEFAULT_AGENTS
    from palaestra.bench import bench as run_bench
    from palaestra.evaluation import RunSettings, default_run_dir
    from palaestra.leaderboard import terminal_table

    llm = {
        "base_url": base_url,
        "api_key_env": api_key_env,
        "temperature": temperature,
        "max_tokens": max_tokens,
    }
    try:
        options = _agent_options(llm, agent_option)
        settings = RunSettings(**_setting_changes(concurrency=concurrency))
        chosen = _load_suite(suite)
        out_dir = out or default_run_dir(chosen.id, "bench")
        outcome = run_bench(
            chosen,
            out_dir,
            specs=agent or DEFAULT_AGENTS,
            options=options,
            settings=settings,
            backend=backend,
            ray_address=ray_address,
            show_progress=progress,
            console=console,
            with_policies=not agent,
        )
    except USER_ERRORS as error:
        _fail(error)
    if outcome.interrupted:
        console.print(f"Interrupted; run the same command with --out {escape(str(out_dir))} to resume.")
        raise typer.Exit(130)
    for board in sorted(outcome.boards, key=lambda board: board.suite_id != chosen.id):  # the suite's first
        console.print(terminal_table(board))
    console.print(f"Leaderboard: {escape(str(outcome.leaderboard_dir / 'index.html'))}")
    for spec, failure in outcome.failures.items():
        console.print(
            f"[red]error:[/] every episode of {escape(spec)} failed; the last error: {escape(failure)}",
            soft_wrap=True,
        )
    if outcome.failures:
        raise typer.Exit(1)


leaderboard_app = typer.Typer(help="Build and serve leaderboards from run folders.", no_args_is_help=True)
app.add_typer(leaderboard_app, name="leaderboard")


@leaderboard_app.command("build")
def leaderboard_build(
    run_dirs: list[str] = typer.Argument(..., help="Run folders, or folders holding them (as bench writes)."),
    out: str = typer.Option("leaderboard", help="Folder for index.html, leaderboard.md and leaderboard.csv."),
) -> None:
    """Build index.html, leaderboard.md and leaderboard.csv; print the tables."""
    import warnings

    from palaestra.leaderboard import EmptyRunWarning, build_leaderboard, terminal_table

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EmptyRunWarning)
            boards = build_leaderboard(run_dirs, out)
    except USER_ERRORS as error:
        _fail(error)
    for warning in caught:
        console.print(f"[yellow]warning:[/] {escape(str(warning.message))}", soft_wrap=True)
    for board in boards:
        console.print(terminal_table(board))
    console.print(f"Wrote {escape(out)}/index.html, leaderboard.md and leaderboard.csv")


@leaderboard_app.command("serve")
def leaderboard_serve(
    directory: str = typer.Argument("leaderboard", help="A folder built by `palaestra leaderboard build`."),
    port: int = typer.Option(8000, help="Port on 127.0.0.1 (0: any free port)."),
) -> None:
    """Serve a built leaderboard on http://127.0.0.1:PORT until Ctrl-C."""
    from palaestra.leaderboard import leaderboard_server

    try:
        server = leaderboard_server(directory, port)
    except OSError as error:  # no such folder, or the port is taken
        _fail(error)
    host, bound = server.server_address[:2]
    print(f"http://{host}:{bound}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command("new-env")
def new_env(
    name: str = typer.Argument(
        ..., help="The env's name in CamelCase: its ids are NAME-Text-v0 (and -Vision-v0)."
    ),
    family: str = typer.Option(
        None, help="The family, a lower-case Python name (a plugin's package name); default: the env's own."
    ),
    vision: bool = typer.Option(False, "--vision", help="Also a -Vision- id that observes an image."),
    tools: bool = typer.Option(
        False, "--tools", help="Actions are calls of tools declared in info['tools']."
    ),
    dataset: bool = typer.Option(
        False, "--dataset", help="Fixed instances from a data file, chosen by task_id."
    ),
    plugin: str = typer.Option(
        None, help="Write a plugin package in this folder (default: the checkout you are in, else a plugin)."
    ),
) -> None:
    """Scaffold an env that passes the conformance suite: world, text env, registration, tests, doc page."""
    from palaestra.scaffold import new_env as scaffold

    try:
        written = scaffold(name, family, vision=vision, tools=tools, dataset=dataset, plugin=plugin)
    except USER_ERRORS as error:
        _fail(error)
    for path in written:
        console.print(f"wrote {escape(str(path))}")
    console.print(
        "Next: make the game yours and keep its tests passing (docs/adding-an-env.md has the checklist); "
        "in the repository, also add its README row and run `palaestra gallery`.",
        soft_wrap=True,
    )


@app.command()
def gallery(docs: str = typer.Option(None, help="The docs folder (default: this checkout's docs/).")) -> None:
    """Regenerate the env gallery (docs/gallery.md and docs/gallery/) from the registry."""
    from palaestra.scaffold.gallery import main as write

    try:
        write(["--docs", docs] if docs else [])
    except USER_ERRORS as error:
        _fail(error)


@app.command()
def train(
    config: str = typer.Argument(..., help="A TOML run config (see docs/training.md)."),
    resume: bool = typer.Option(False, "--resume", help="Continue from the run folder's latest checkpoint."),
) -> None:
    """Train an LLM policy on palaestra envs with the GRPO-family trainer, as a TOML config says."""
    try:
        from palaestra.agents.train import run_training

        trainer, rows = run_training(config, resume=resume)
    except USER_ERRORS as error:
        _fail(error)
    folder = trainer.output_dir
    if rows:
        last = rows[-1]
        console.print(
            f"step {last['step']}: reward {last['reward']:.3f}, success {last['success']:.2f}, "
            f"invalid {last['invalid_rate']:.2f}, {last['tokens_per_second']:.0f} rollout tokens/s"
        )
    console.print(f"Run folder: {escape(str(folder))} (metrics.jsonl, metrics.png, checkpoints/)")


@app.command()
def policies(json_output: bool = typer.Option(False, "--json", help="One JSON list, for scripts.")) -> None:
    """List the trained policies bundled in the package (play one with --agent policy:NAME)."""
    import json

    from palaestra.agents.policies import policies as bundled
    from palaestra.core.metrics import Interval, interval_text

    if json_output:
        typer.echo(json.dumps([policy.to_json() for policy in bundled()], indent=2))
        return
    table = Table(title="bundled policies (test-split score, 95% interval; model cards in each folder)")
    for column in ("agent spec", "env", "parameters", "size", "test score"):
        table.add_column(column)
    for policy in bundled():
        kwargs = "".join(f" {key}={value}" for key, value in policy.env_kwargs.items())
        score = policy.test_score
        shown = "-" if score is None else interval_text(Interval(score["score"], score["low"], score["high"]))
        table.add_row(
            policy.spec,
            policy.env_id + kwargs,
            f"{policy.parameters:,}",
            f"{policy.size_bytes / 1e6:.1f} MB",
            shown,
        )
    console.print(table)


shop_app = typer.Typer(help="WebShop's pages in a browser.", no_args_is_help=True)
app.add_typer(shop_app, name="shop")


@shop_app.command("serve")
def shop_serve(
    port: int = typer.Option(8000, help="Port on 127.0.0.1 (0: any free port)."),
    env_id: str = typer.Option("WebShop-Text-v0", "--env", help="WebShop-Text-v0 or WebShop-v0."),
    seed: int = typer.Option(0, help="The seed of the first visit started without one."),
    env_kwarg: list[str] = typer.Option(None, help=ENV_KWARG_HELP),
) -> None:
    """Serve WebShop's pages on http://127.0.0.1:PORT, to shop by hand, until Ctrl-C."""
    from palaestra.envs.webshop.server import shop_server

    try:
        _known_env(env_id)
        if env_entry(env_id).family != "webshop":
            raise UsageError(f"{env_id} is no WebShop id: use WebShop-Text-v0 or WebShop-v0")
        server = shop_server(port, env_id, _env_kwargs([env_id], env_kwarg), seed)
    except (*USER_ERRORS, OSError) as error:  # a bad argument, missing data, or the port is taken
        _fail(error)
    host, bound = server.server_address[:2]
    print(f"http://{host}:{bound}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command("persuasion-pairs")
def persuasion_pairs(
    run_dirs: list[str] = typer.Argument(..., help="Run folders of Persuasion-Text-v0 episodes."),
    out: str = typer.Option(..., help="The JSONL file to write (TRL's conversational preference format)."),
) -> None:
    """Export DPO preference pairs: successful against failed persuasions of the same question."""
    from palaestra.envs.persuasion.pairs import write_preference_pairs

    try:
        count = write_preference_pairs(run_dirs, out)
    except USER_ERRORS as error:
        _fail(error)
    console.print(f"Wrote {count} preference pair(s) to {escape(out)}")


def main() -> None:
    app()
