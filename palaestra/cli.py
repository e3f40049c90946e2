"""The ``palaestra`` command: list, play and check envs; evaluate agents; build leaderboards."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

import palaestra
from palaestra.core import registered_envs

app = typer.Typer(
    help="Palaestra: Gymnasium environments for LLM agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()


@app.command("list")
def list_envs(family: str = typer.Option(None, help="Only this family.")) -> None:
    """List the registered env ids with their family, modality and summary."""
    table = Table(title=f"palaestra {palaestra.__version__}: registered environments")
    for column in ("id", "family", "modality", "summary"):
        table.add_column(column)
    for entry in registered_envs(family):
        table.add_row(entry.id, entry.family, entry.modality, entry.summary)
    console.print(table)


@app.command()
def play(
    env_id: str = typer.Argument(..., help="An id from `palaestra list`."),
    seed: int = typer.Option(0, help="Episode seed."),
) -> None:
    """Play an env yourself: type actions in the terminal; -Vision- ids also open a window."""
    from palaestra.agents.human import play as play_episode

    raise typer.Exit(play_episode(env_id, seed=seed, console=console))


@app.command()
def check(env_ids: list[str] = typer.Argument(None, help="Ids to check (default: all).")) -> None:
    """Run the conformance checks on env ids and print a report; exit 1 if any check fails."""
    from palaestra.core.conformance import run_checks

    ids = env_ids or [entry.id for entry in registered_envs()]
    failed = 0
    for env_id in ids:
        table = Table(title=env_id, title_justify="left")
        for column in ("check", "result", "seconds", "detail"):
            table.add_column(column)
        for result in run_checks(env_id):
            failed += not result.passed
            verdict = "[green]pass[/]" if result.passed else "[red]FAIL[/]"
            table.add_row(result.name, verdict, f"{result.seconds:.2f}", result.message)
        console.print(table)
    console.print(f"{len(ids)} env(s) checked, {failed} check(s) failed.")
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

    serve(port=port, script=script, model_path=model_path, model=model, latency=latency, faults=faults,
          announce=lambda url: print(url, flush=True))


def main() -> None:
    app()
