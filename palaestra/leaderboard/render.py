"""The formats of a leaderboard: Markdown, CSV, a static HTML page and a terminal table.

``index.html`` is one static file with no external assets: its CSS, the script that sorts a table
when a header is clicked, and the SVG charts (mean score and interval of every run, per env) are
inline. Every string that comes from a run (agent labels, env ids, descriptions, paths) is escaped
for the format it lands in: HTML entities in the page, entities and backslashes in Markdown, and a
leading quote before a formula sign in CSV.
"""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

from palaestra.core.metrics import Interval, interval_text, points_text
from palaestra.leaderboard.rank import Board, role_header, role_score, table_rows

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
    """One row per run and scope: the suite, each family, each role of a multi-agent env, each env
    (long format, for analysis)."""
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
                    {"scope": "role", "name": role_header(env_id, role), "score": score}
                    for env_id, e in m.envs.items()
                    for role, score in e.role_scores.items()
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


def _score_cell(score: float | None) -> str:
    if score is None:
        return '<td data-sort="-1">-</td>'
    return f'<td data-sort="{score:.6f}">{points_text(score)}</td>'


def _html_table(board: Board, index: int) -> str:
    families = board.families
    roles = [role_header(env_id, role) for env_id, role in board.roles]
    headers = [
        "Rank",
        "Agent",
        "Score",
        *families,
        *roles,
        "Success",
        "Episodes",
        "Errors",
        "Tokens/ep",
        "Run",
    ]
    text_columns = ("Agent", "Run")
    head = "".join(
        f'<th scope="col" class="{"agent" if h in text_columns else "number"}">{_e(h)}</th>' for h in headers
    )
    rows = []
    for rank, run in enumerate(board.runs, 1):
        m = run.metrics
        partial = "" if run.complete else ' <span class="partial">(partial)</span>'
        cells = [
            f'<td data-sort="{rank}">{rank}</td>',
            f'<td class="agent" data-sort="{_e(run.label)}" title="{_e(run.spec)}">{_e(run.label)}</td>',
            _interval_cell(m.suite),
            *(_interval_cell(m.families.get(f)) for f in families),
            *(_score_cell(role_score(run, env_id, role)) for env_id, role in board.roles),
            f'<td data-sort="{run.success_rate:.6f}">{run.success_rate:.0%}</td>',
            f'<td data-sort="{run.episodes_done}">{run.episodes_done}/{run.total_episodes}{partial}</td>',
            f'<td data-sort="{m.errors}">{m.errors}</td>',
            f'<td data-sort="{run.tokens_per_episode:.3f}">{run.tokens_per_episode:.0f}</td>',
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


def terminal_table(board: Board) -> Any:
    """``board`` for the terminal, run strings as plain ``Text`` (never markup): the ranking with the
    suite's score, then a table per family (and per role), a row each with a column per agent; one
    table with a column per family would not fit a terminal once a suite spans many families."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    header, rows = table_rows(board)
    split = 3 + len(board.families) + len(board.roles)  # rank, agent, score, then those columns
    ranking = Table(
        title=Text(f"{board.suite_id} {board.suite_version}: {board.description}"), title_justify="left"
    )
    for name in [*header[:3], *header[split:]]:
        agent = name == "agent"
        ranking.add_column(Text(name), justify="left" if agent else "right", no_wrap=agent)
    for row in rows:
        ranking.add_row(*(Text(cell) for cell in [*row[:3], *row[split:]]))
    if split == 3:
        return ranking
    by_family = Table(title=Text("score [95% CI] per family and role"), title_justify="left")
    by_family.add_column(Text("family"), no_wrap=True)
    for row in rows:
        by_family.add_column(Text(row[1]), justify="right")
    for index in range(3, split):
        by_family.add_row(Text(header[index]), *(Text(row[index]) for row in rows))
    return Group(ranking, by_family)
