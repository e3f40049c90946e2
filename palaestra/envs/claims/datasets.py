"""``HoVer-v0`` and ``ExFever-v0``: claim verification on those data sets' own files.

Both search a corpus given as a SQLite ``documents(id, text)`` database (HoVer's
``wiki_wo_links.db``, which EX-FEVER uses too) or a JSONL of ``{"title", "text"}`` lines:

* HoVer: ``hover_{train,dev}_release_v1.1.json``, a JSON array of ``{uid, claim, supporting_facts:
  [[title, sentence index], ...], label: SUPPORTED | NOT_SUPPORTED, num_hops, hpqa_id}`` (the test
  release has no labels, so it is no split here).
* EX-FEVER: ``{train,dev,test}.csv`` with the columns ``claim, explanation, label (SUPPORT |
  REFUTE | NOT ENOUGH INFO), golden entity, mention, result entity, discard number``, the list
  columns written as Python lists (``"['Sindh', 'Pakistan']"``).

The files are found through ``data_path=`` (a folder) or an environment variable
(``PALAESTRA_HOVER_DIR``, ``PALAESTRA_EXFEVER_DIR``); the corpus is ``corpus_path=``, by default
``wiki_wo_links.db`` in that folder.
"""

from __future__ import annotations

import ast
import csv
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.core.datasets import data_folder
from palaestra.core.errors import UsageError
from palaestra.envs.claims.claims import NEI, REFUTED, SUPPORTED
from palaestra.envs.claims.corpora import Corpus, open_corpus
from palaestra.envs.claims.env import ClaimEnv
from palaestra.envs.claims.language import NOT_SUPPORTED

HOVER_VARIABLE = "PALAESTRA_HOVER_DIR"
EXFEVER_VARIABLE = "PALAESTRA_EXFEVER_DIR"
CORPUS_FILE = "wiki_wo_links.db"
_EXFEVER_LABELS = {"SUPPORT": SUPPORTED, "REFUTE": REFUTED, "NOT ENOUGH INFO": NEI}


@dataclass(frozen=True)
class DatasetClaim:
    id: str
    text: str
    label: str
    evidence_titles: tuple[str, ...]  # the titles of the gold evidence
    hops: int | None


@functools.lru_cache(maxsize=8)
def read_hover(path: Path) -> tuple[DatasetClaim, ...]:
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise UsageError(f"cannot read HoVer claims from {path}: {error}") from None
    if not isinstance(items, list):
        raise UsageError(f"{path}: HoVer's file is a JSON array of claims")
    claims = []
    for number, item in enumerate(items):
        try:
            label = item["label"]
            if label not in (SUPPORTED, NOT_SUPPORTED):
                raise ValueError(f"label {label!r}")
            titles = tuple(dict.fromkeys(str(title) for title, _ in item.get("supporting_facts", [])))
            hops = item.get("num_hops")
            claims.append(
                DatasetClaim(
                    str(item["uid"]), str(item["claim"]), label, titles, None if hops is None else int(hops)
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise UsageError(f"{path}: claim {number} is malformed ({error})") from None
    return tuple(claims)


@functools.lru_cache(maxsize=8)
def read_exfever(path: Path) -> tuple[DatasetClaim, ...]:
    claims = []
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise UsageError(f"cannot read EX-FEVER claims from {path}: {error}") from None
    for number, row in enumerate(rows):
        label = _EXFEVER_LABELS.get((row.get("label") or "").strip())
        if label is None or not row.get("claim"):
            raise UsageError(
                f"{path}: row {number + 2} has no claim or an unknown label {row.get('label')!r}"
            )
        titles = tuple(title.replace("_", " ") for title in _python_list(row.get("golden entity")))
        claims.append(
            DatasetClaim(f"{path.stem}-{number}", row["claim"].strip(), label, titles, len(titles) or None)
        )
    return tuple(claims)


def _python_list(text: str | None) -> list[str]:
    """A list column of EX-FEVER (``"['Sindh', 'Pakistan']"``); empty where the cell is."""
    if not text or not text.strip():
        return []
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


class DatasetClaimEnv(ClaimEnv):
    """A claim env over a data set's claims (task ids: the claims' ids) and a real corpus.

    Subclasses say where the files are (``_claims_file``) and how to read them (``_read``).
    """

    data_name = ""
    variable = ""
    how_to_get = ""

    def __init__(
        self,
        *,
        data_path: str | os.PathLike | None = None,
        corpus_path: str | os.PathLike | None = None,
        hops: int | None = None,
        **base: Any,
    ):
        super().__init__(**base)
        self.data_dir = data_folder(data_path, self.variable, self.data_name, self.how_to_get)
        claims_file = self.data_dir / self._claims_file(self.split)
        if not claims_file.is_file():
            raise UsageError(
                f"{self.data_name}: no {claims_file.name} in {self.data_dir} ({self.how_to_get})"
            )
        claims = self._read(claims_file)
        if hops is not None:
            claims = tuple(c for c in claims if c.hops == hops)
        self.claims = {claim.id: claim for claim in claims}
        self._ids = list(self.claims)
        self.corpus_path = Path(corpus_path) if corpus_path is not None else self.data_dir / CORPUS_FILE
        if not self.corpus_path.is_file():
            raise UsageError(
                f"{self.data_name}: no corpus at {self.corpus_path}; pass corpus_path= a documents .db "
                "(HoVer's wiki_wo_links.db) or a .jsonl of title and text"
            )
        self.claim: DatasetClaim | None = None

    def _claims_file(self, split: str) -> str:
        raise NotImplementedError

    def _read(self, path: Path) -> tuple[DatasetClaim, ...]:
        raise NotImplementedError

    def task_ids(self) -> list[str]:
        return self._ids

    def _corpus(self) -> Corpus:
        # opened at first use: indexing a Wikipedia takes a while, and is then cached on disk
        return self.resource("corpus", lambda: open_corpus(self.corpus_path))

    def _new_episode(self, options: dict[str, Any]) -> None:
        self.claim = self.claims[self.task_id]
        self.claim_text, self.gold = self.claim.text, self.claim.label
        self._start()

    def _extra_info(self) -> dict[str, Any]:
        return {**super()._extra_info(), "hops": self.claim.hops}

    def expert_action(self) -> str:
        """Open each gold evidence entry, then give the data set's label."""
        for title in self.claim.evidence_titles:
            step = f"open[{title}]"
            if step not in self._expert_done:
                self._expert_done.add(step)
                return step
        return f"answer[{self.gold}]"


class HoVerEnv(DatasetClaimEnv):
    """HoVer: verify claims of 2 to 4 hops over Wikipedia, SUPPORTED or NOT_SUPPORTED.

    Task ids are HoVer's ``uid``s; ``hops=N`` keeps the claims of ``num_hops`` N. The tools, the
    observations and the reward are those of ``ClaimVerify-Text-v0``; a verdict of REFUTED or NOT
    ENOUGH INFO counts as NOT_SUPPORTED (HoVer merges the two). Splits: ``train`` and ``dev``.

    Example:
        >>> env = gym.make("HoVer-v0", data_path="data/hover", split="dev")  # doctest: +SKIP
    """

    splits = ("train", "dev")
    labels = (SUPPORTED, NOT_SUPPORTED)
    label_meanings = (
        "SUPPORTED: the evidence shows the claim true; NOT_SUPPORTED: it shows the claim false, or "
        "does not settle it (REFUTED and NOT ENOUGH INFO are taken as NOT_SUPPORTED)."
    )
    data_name = "HoVer-v0"
    variable = HOVER_VARIABLE
    how_to_get = (
        "download hover_train_release_v1.1.json and hover_dev_release_v1.1.json from "
        "github.com/hover-nlp/hover (data/hover) and wiki_wo_links.db from nlp.cs.unc.edu/data/hover "
        "into one folder"
    )

    def _claims_file(self, split: str) -> str:
        return f"hover_{split}_release_v1.1.json"

    def _read(self, path: Path) -> tuple[DatasetClaim, ...]:
        return read_hover(path)


class ExFeverEnv(DatasetClaimEnv):
    """EX-FEVER: verify claims of 2 or 3 hops, SUPPORTED, REFUTED or NOT ENOUGH INFO.

    Task ids are ``<split>-<row>``; the data set's SUPPORT / REFUTE labels are SUPPORTED / REFUTED
    here, like ``ClaimVerify-Text-v0``'s. Splits: ``train``, ``dev`` and ``test``.

    Example:
        >>> env = gym.make("ExFever-v0", data_path="data/exfever", split="test")  # doctest: +SKIP
    """

    splits = ("train", "dev", "test")
    data_name = "ExFever-v0"
    variable = EXFEVER_VARIABLE
    how_to_get = (
        "unzip data/data_base.zip of github.com/dependentsign/EX-FEVER (train.csv, dev.csv, test.csv) "
        "and put HoVer's wiki_wo_links.db (nlp.cs.unc.edu/data/hover) beside them"
    )

    def _claims_file(self, split: str) -> str:
        return f"{split}.csv"

    def _read(self, path: Path) -> tuple[DatasetClaim, ...]:
        return read_exfever(path)
