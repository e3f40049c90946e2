"""docs/adding-an-env.md's checklist and the conformance suite stay one to one, in the same order."""

import re
from pathlib import Path

from palaestra.testing import CHECK_NAMES

CHECKLIST = Path(__file__).resolve().parents[2] / "docs" / "adding-an-env.md"


def test_the_checklist_has_one_item_per_conformance_check_in_order():
    items = re.findall(r"^- \[ \] \*\*(.+?)\*\*:", CHECKLIST.read_text(encoding="utf-8"), re.MULTILINE)
    assert items == list(CHECK_NAMES), (
        "docs/adding-an-env.md's checklist must name the checks of palaestra/core/conformance.py, "
        f"one item each, in order: {list(CHECK_NAMES)}"
    )


ROOT = CHECKLIST.parents[1]
# Pages another change is writing: linked before they exist.
COMING = {ROOT / "docs" / "training.md"}


def test_the_contributor_pages_link_to_pages_that_exist():
    pages = [ROOT / "CONTRIBUTING.md"] + [
        ROOT / "docs" / name for name in ("adding-an-env.md", "reproducing.md", "gallery.md", "scoring.md")
    ]
    for page in pages:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            path = (page.parent / target).resolve()
            assert path.exists() or path in COMING, f"{page.name} links to {target}, which does not exist"


def test_contributing_starts_from_the_readmes_two_commands():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "make bench" in text and "make test" in text
