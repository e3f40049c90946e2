"""Leaderboards from run folders: ``index.html``, ``leaderboard.md`` and ``leaderboard.csv``.

Reads only result records (``meta.json`` and ``episodes.jsonl`` of each run). Runs are grouped by
suite id and version: only runs of the same suite version share a table, ranked by the suite's mean
normalized score. Each table has a column per family with its 95% interval; the HTML page adds a
small chart per env (mean score and interval of every run).

``index.html`` is one static file with no external assets: its CSS, the script that sorts a table
when a header is clicked, and the SVG charts are inline. Every string that comes from a run (agent
labels, env ids, descriptions, paths) is escaped for the format it lands in: HTML entities in the
page, entities and backslashes in Markdown, and a leading quote before a formula sign in CSV.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.core.metrics import Interval, RunMetrics, interval_text, points_text, run_metrics
from palaestra.core.records import EPISODES_FILE, RunDirError, read_episodes, read_meta

HTML_FILE = "index.html"
MARKDOWN_FILE = "leaderboard.md"
CSV_FILE = "leaderboard.csv"


@dataclass(frozen=True)
class RunEntry:
    """One run as a leaderboard row."""

    run_dir: Path
    label: str
    spec: str
    suite_id: str
    suite_version: str
    suite_description: str
    families: dict[str, str]  # env id -> family
    metrics: RunMetrics
    total_episodes: int
    started_at: str

    @property
    def complete(self) -> bool:
        return self.metrics.episodes - self.metrics.errors == self.total_episodes

    @property
    def success_rate(self) -> float:
        envs = self.metrics.envs.values()
        return sum(m.success_rate * m.episodes for m in envs) / sum(m.episodes for m in envs)


@dataclass(frozen=True)
class Board:
    """The runs of one suite version, best first."""

    suite_id: str
    suite_version: str
    description: str
    runs: list[RunEntry]

    @property
    def families(self) -> list[str]:
        return sorted({f for run in self.runs for f in run.families.values()})

    @property
    def env_ids(self) -> list[str]:
        return sorted({env_id for run in self.runs for env_id in run.families})


def load_run(run_dir: str | Path) -> RunEntry:
    """One run folder as a leaderboard row; ``RunDirError`` if it is not a readable run."""
    run_dir = Path(run_dir)
    meta = read_meta(run_dir)
    try:
        suite = meta["suite"]
        agent = meta["agent"]
        families = {env["env_id"]: env["family"] for env in suite["envs"]}
        total = sum(len(env["seeds"]) for env in suite["envs"])
    except (KeyError, TypeError) as err:
        raise RunDirError(f"{run_dir / 'meta.json'}: not a palaestra run meta (missing {err})") from None
    path = run_dir / EPISODES_FILE
    records = read_episodes(path) if path.exists() else []
    if not records:
        raise RunDirError(f"{run_dir} has no finished episodes yet")
    for number, record in enumerate(records, 1):
        if (record.suite, record.suite_version) != (suite["id"], suite["version"]):
            raise RunDirError(
                f"{path}:{number}: a record of suite {record.suite} {record.suite_version} in a run of "
                f"{suite['id']} {suite['version']}"
            )
    return RunEntry(
        run_dir=run_dir,
        label=str(agent.get("label") or agent["spec"]),
        spec=str(agent["spec"]),
        suite_id=suite["id"],
        suite_version=suite["version"],
        suite_description=str(suite.get("description", "")),
        families=families,
        metrics=run_metrics(records, families),
        total_episodes=total,
        started_at=str(meta.get("started_at", "")),
    )


def group_boards(runs: list[RunEntry]) -> list[Board]:
    """One board per (suite id, version), each ranked by suite score (then label, for a stable order)."""
    groups: dict[tuple[str, str], list[RunEntry]] = {}
    for run in runs:
        groups.setdefault((run.suite_id, run.suite_version), []).append(run)
    return [
        Board(
            suite_id,
            version,
            entries[0].suite_description,
            # complete runs rank above partial ones: a run that played fewer episodes is not comparable
            sorted(entries, key=lambda r: (not r.complete, -r.metrics.suite.mean, r.label, str(r.run_dir))),
        )
        for (suite_id, version), entries in sorted(groups.items())
    ]


def load_boards(run_dirs: list[str | Path]) -> list[Board]:
    if not run_dirs:
        raise ValueError("no run folders given")
    return group_boards([load_run(run_dir) for run_dir in run_dirs])


# -- plain-text formats ------------------------------------------------------------------------------
def _episodes_text(run: RunEntry) -> str:
    done = run.metrics.episodes - run.metrics.errors
    return f"{done}/{run.total_episodes}" + ("" if run.complete else " (partial)")


def table_rows(board: Board) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a board as plain text (for Markdown and the terminal)."""
    header = [
        "rank",
        "agent",
        "score [95% CI]",
        *board.families,
        "success",
        "episodes",
        "errors",
        "tokens/ep",
    ]
    rows = []
    for rank, run in enumerate(board.runs, 1):
        family_cells = [
            interval_text(run.metrics.families[f]) if f in run.metrics.families else "-"
            for f in board.families
        ]
        tokens = sum(m.mean_tokens * m.episodes for m in run.metrics.envs.values()) / run.metrics.episodes
        rows.append(
            [
                str(rank),
                run.label,
                interval_text(run.metrics.suite),
                *family_cells,
                f"{run.success_rate:.0%}",
                _episodes_text(run),
                str(run.metrics.errors),
                f"{tokens:.0f}",
            ]
        )
    return header, rows


# The characters that start inline Markdown (emphasis, code, links, images, tables, strikethrough).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()!|~])")


def escape_markdown(text: str) -> str:
    """Text that Markdown (and the HTML it may embed) shows literally, on one line."""
    text = html.escape(text, quote=True)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"[\r\n]+", " ", text)


def render_markdown(boards: list[Board]) -> str:
    parts = ["# Palaestra leaderboard", ""]
    for board in boards:
        parts += [
            f"## {escape_markdown(board.suite_id)} {escape_markdown(board.suite_version)}",
            "",
            escape_markdown(board.description),
            "",
            "Scores are mean normalized scores x 100 with 95% bootstrap intervals.",
            "",
        ]
        header, rows = table_rows(board)
        parts.append("| " + " | ".join(escape_markdown(h) for h in header) + " |")
        parts.append("|" + "---|" * len(header))
        parts += ["| " + " | ".join(escape_markdown(c) for c in row) + " |" for row in rows]
        parts.append("")
    return "\n".join(parts)


def _csv_cell(value: Any) -> Any:
    # A spreadsheet runs a cell that starts with a formula sign; a quote makes it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


CSV_COLUMNS = [
    "suite",
    "suite_version",
    "agent",
    "spec",
    "run",
    "scope",
    "name",
    "episodes",
    "errors",
    "success_rate",
    "score",
    "score_low",
    "score_high",
    "mean_return",
    "mean_steps",
    "invalid_action_rate",
    "mean_tokens",
    "mean_seconds",
]


def render_csv(boards: list[Board]) -> str:
    """One row per run and scope: the suite, each family, each env (long format, for analysis)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for board in boards:
        for run in board.runs:
            m = run.metrics
            rows = [
                {
                    "scope": "suite",
                    "name": board.suite_id,
                    "episodes": m.episodes,
                    "errors": m.errors,
                    "success_rate": run.success_rate,
                    **_score_cells(m.suite),
                },
                *(
                    {"scope": "family", "name": family, **_score_cells(interval)}
                    for family, interval in m.families.items()
                ),
                *(
                    {
                        "scope": "env",
                        "name": env_id,
                        "episodes": e.episodes,
                        "errors": e.errors,
                        "success_rate": e.success_rate,
                        **_score_cells(e.score),
                        "mean_return": e.mean_return,
                        "mean_steps": e.mean_steps,
                        "invalid_action_rate": e.invalid_action_rate,
                        "mean_tokens": e.mean_tokens,
                        "mean_seconds": e.mean_seconds,
                    }
                    for env_id, e in m.envs.items()
                ),
            ]
            base = {
                "suite": board.suite_id,
                "suite_version": board.suite_version,
                "agent": run.label,
                "spec": run.spec,
                "run": str(run.run_dir),
            }
            for row in rows:
                cells = {**base, **row}
                writer.writerow([_csv_cell(cells.get(column, "")) for column in CSV_COLUMNS])
    return out.getvalue()


def _score_cells(interval: Interval) -> dict[str, float]:
    return {"score": interval.mean, "score_low": interval.low, "score_high": interval.high}


# -- HTML ----------------------------------------------------------------------------------------------
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:80rem}
table{border-collapse:collapse;margin:1rem 0}
th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th{cursor:pointer;background:#f4f4f4;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}
td.agent,th.agent{text-align:left}
.ci{color:#777;font-size:.85em}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0}
figcaption{font-size:.9em;font-weight:600}
.partial{color:#a60}
"""

# Sorts a table by the clicked column: numbers by value (data-sort), text otherwise; a second click
# reverses the order.
_SCRIPT = """
document.querySelectorAll("table.board th").forEach(function (th) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0];
    var column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var key = function (row) {
      var cell = row.children[column], value = cell.getAttribute("data-sort");
      var number = parseFloat(value);
      return isNaN(number) ? value : number;
    };
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b), order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _interval_cell(interval: Interval | None) -> str:
    if interval is None:
        return '<td data-sort="-1">-</td>'
    return (
        f'<td data-sort="{interval.mean:.6f}">{points_text(interval.mean)} '
        f'<span class="ci">[{points_text(interval.low)}, {points_text(interval.high)}]</span></td>'
    )


def _html_table(board: Board, index: int) -> str:
    families = board.families
    headers = ["Rank", "Agent", "Score", *families, "Success", "Episodes", "Errors", "Tokens/ep", "Run"]
    text_columns = ("Agent", "Run")
    head = "".join(
        f'<th scope="col" class="{"agent" if h in text_columns else "number"}">{_e(h)}</th>' for h in headers
    )
    rows = []
    for rank, run in enumerate(board.runs, 1):
        m = run.metrics
        tokens = sum(e.mean_tokens * e.episodes for e in m.envs.values()) / m.episodes
        done = m.episodes - m.errors
        partial = "" if run.complete else ' <span class="partial">(partial)</span>'
        cells = [
            f'<td data-sort="{rank}">{rank}</td>',
            f'<td class="agent" data-sort="{_e(run.label)}" title="{_e(run.spec)}">{_e(run.label)}</td>',
            _interval_cell(m.suite),
            *(_interval_cell(m.families.get(f)) for f in families),
            f'<td data-sort="{run.success_rate:.6f}">{run.success_rate:.0%}</td>',
            f'<td data-sort="{done}">{done}/{run.total_episodes}{partial}</td>',
            f'<td data-sort="{m.errors}">{m.errors}</td>',
            f'<td data-sort="{tokens:.3f}">{tokens:.0f}</td>',
            f'<td class="agent" data-sort="{_e(run.run_dir.name)}">{_e(run.run_dir.name)}</td>',
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="board" id="board-{index}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _env_chart(board: Board, env_id: str) -> str:
    """Horizontal bars of each run's mean score on ``env_id`` (0 to 100) with interval whiskers."""
    runs = [run for run in board.runs if env_id in run.metrics.envs]
    label_width, bar_width, row_height = 130, 200, 18
    value_x = label_width + bar_width + 4
    height = row_height * len(runs) + 24
    width = label_width + bar_width + 50
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="{_e(env_id)} scores">'
        ),
        f'<line x1="{label_width}" y1="0" x2="{label_width}" y2="{height - 20}" stroke="#999"/>',
    ]
    for i, run in enumerate(runs):
        score = run.metrics.envs[env_id].score
        y = i * row_height + 4
        label = run.label if len(run.label) <= 18 else run.label[:17] + "…"
        x_low = label_width + bar_width * score.low
        x_high = label_width + bar_width * score.high
        parts += [
            f'<text x="{label_width - 4}" y="{y + 11}" font-size="11" text-anchor="end">{_e(label)}</text>',
            (
                f'<rect x="{label_width}" y="{y}" width="{bar_width * score.mean:.1f}" height="12" '
                f'fill="#4a7fb5"><title>{_e(run.label)}: {_e(interval_text(score))}</title></rect>'
            ),
            f'<line x1="{x_low:.1f}" y1="{y + 6}" x2="{x_high:.1f}" y2="{y + 6}" stroke="#222"/>',
            f'<text x="{value_x}" y="{y + 11}" font-size="11">{points_text(score.mean)}</text>',
        ]
    parts += [
        f'<text x="{label_width}" y="{height - 6}" font-size="10">0</text>',
        f'<text x="{label_width + bar_width}" y="{height - 6}" font-size="10" text-anchor="end">100</text>',
        "</svg>",
    ]
    return f"<figure><figcaption>{_e(env_id)}</figcaption>{''.join(parts)}</figure>"


def render_html(boards: list[Board]) -> str:
    sections = []
    for index, board in enumerate(boards):
        charts = "".join(_env_chart(board, env_id) for env_id in board.env_ids)
        sections.append(
            f"<section><h2>{_e(board.suite_id)} <small>{_e(board.suite_version)}</small></h2>"
            f"<p>{_e(board.description)}</p>{_html_table(board, index)}"
            f'<h3>Per env</h3><div class="charts">{charts}</div></section>'
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Palaestra leaderboard</title><style>{_STYLE}</style></head><body>"
        "<h1>Palaestra leaderboard</h1>"
        "<p>Mean normalized score x 100 with 95% bootstrap intervals; click a column header to sort. "
        "Only runs of the same suite version share a table.</p>"
        f"{''.join(sections)}<script>{_SCRIPT}</script></body></html>\n"
    )


def build_leaderboard(run_dirs: list[str | Path], out_dir: str | Path) -> list[Board]:
    """Write ``index.html``, ``leaderboard.md`` and ``leaderboard.csv`` for ``run_dirs`` into ``out_dir``."""
    boards = load_boards(run_dirs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / HTML_FILE).write_text(render_html(boards), encoding="utf-8")
    (out_dir / MARKDOWN_FILE).write_text(render_markdown(boards), encoding="utf-8")
    (out_dir / CSV_FILE).write_text(render_csv(boards), encoding="utf-8", newline="")
    return boards


def terminal_table(board: Board) -> Any:
    """A rich table of ``board`` for the terminal; run strings are plain ``Text``, never markup."""
    from rich.table import Table
    from rich.text import Text

    header, rows = table_rows(board)
    table = Table(
        title=Text(f"{board.suite_id} {board.suite_version}: {board.description}"), title_justify="left"
    )
    for name in header:
        table.add_column(Text(name), justify="left" if name == "agent" else "right")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table
