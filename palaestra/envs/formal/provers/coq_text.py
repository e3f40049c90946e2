"""Coq text as palaestra reads it before Coq does: sentences, the commands allowed, the goals shown.

Coq ends a sentence at a period followed by a blank; bullets (``-``, ``+``, ``*`` runs) and braces
are sentences of their own. Comments nest and may hold strings; strings double their quotes. The
policy here decides, sentence by sentence, what reaches the prover: a proof holds tactics only, and
a file only commands that can neither touch the file system or the shell nor weaken the checker.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

THEOREM_KEYWORDS = ("Theorem", "Lemma", "Example", "Corollary", "Proposition", "Fact", "Remark")
# Commands a checked file may hold besides theorems: definitions, notations, the standard library.
FILE_COMMANDS = frozenset(
    THEOREM_KEYWORDS
    + ("Definition", "Fixpoint", "Inductive", "Notation", "Infix", "Open", "Close", "Local")
    + ("Require", "From", "Import", "Export", "Proof", "Qed", "Defined", "Admitted", "Check", "Compute")
    + ("Print",)
)
# Commands that read or write files, load code, or reach the shell, with what they would do.
REACHES_OUTSIDE = {
    "Load": "reads and runs a file",
    "Redirect": "writes a command's output to a file",
    "Extraction": "writes extracted programs to files",
    "Recursive": "writes extracted programs to files",
    "Separate": "writes extracted programs to files",
    "Drop": "drops to the OCaml toplevel",
    "Cd": "changes the checker's working directory",
    "Pwd": "reads the checker's working directory",
    "Add": "changes where libraries are loaded from",
    "Declare": "loads compiled OCaml plugins",
    "Set": "changes the checker's settings (Unset Guard Checking would make proofs unsound)",
    "Unset": "changes the checker's settings (Unset Guard Checking would make proofs unsound)",
}
ASSUMES = ("Axiom", "Axioms", "Parameter", "Parameters", "Conjecture", "Hypothesis", "Hypotheses")
ASSUMES += ("Variable", "Variables")
UNFINISHED_TACTICS = ("admit", "give_up")  # they close a goal without proving it
REFUSED_TACTICS = ("native_compute", "native_cast_no_check")  # they compile and run OCaml code
_REQUIRE = re.compile(r"(From\s+[A-Za-z_][\w.']*\s+)?Require(\s+(Import|Export))?(\s+[A-Za-z_][\w.']*)+\s*\.")
_IMPORT = re.compile(r"(Import|Export)(\s+[A-Za-z_][\w.']*)+\s*\.")
_SELECTOR = re.compile(r"(\d+|all|\[[^\]]*\]|!|par)\s*:\s*")
_BRACE_SELECTOR = re.compile(r"(\d+|\[[^\]]*\])\s*:\s*\{")
_WORD = re.compile(r"[A-Za-z_][\w']*")
_GOAL_ID = re.compile(r" \(ID \d+\)")
INFO_BLOCK = re.compile(r"<infomsg>(.*?)</infomsg>", re.DOTALL)


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text as written, where it starts in the source, and its ``bare`` form
    (comments and string contents removed, blanks collapsed) that the policy reads."""

    text: str
    start: int
    bare: str

    @property
    def words(self) -> list[str]:
        return _WORD.findall(self.bare)


def split_sentences(source: str) -> list[Sentence]:
    """The sentences of ``source``; ``ValueError`` for an unclosed comment or string, or text after
    the last sentence that does not end with a period."""
    sentences, i, n = [], 0, len(source)
    while True:
        i = _skip_blanks_and_comments(source, i)
        if i >= n:
            return sentences
        start = i
        if source[i] in "-+*":
            while i < n and source[i] == source[start]:
                i += 1
        elif source[i] in "{}":
            i += 1
        elif match := _BRACE_SELECTOR.match(source, i):
            i = match.end()
        else:
            i = _sentence_end(source, i)
        text = source[start:i]
        sentences.append(Sentence(text, start, bare_text(text)))


def _skip_blanks_and_comments(source: str, i: int) -> int:
    while i < len(source):
        if source[i].isspace():
            i += 1
        elif source.startswith("(*", i):
            i = _comment_end(source, i)
        else:
            break
    return i


def _comment_end(source: str, i: int) -> int:
    depth, i = 0, i
    while i < len(source):
        if source.startswith("(*", i):
            depth, i = depth + 1, i + 2
        elif source.startswith("*)", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        elif source[i] == '"':
            i = _string_end(source, i)
        else:
            i += 1
    raise ValueError(f"a comment opened at character {_where(source, i)} is never closed with *)")


def _string_end(source: str, i: int) -> int:
    j = i + 1
    while True:
        j = source.find('"', j)
        if j < 0:
            raise ValueError(f"a string opened at {_where(source, i)} is never closed")
        if source.startswith('""', j):
            j += 2
            continue
        return j + 1


def _sentence_end(source: str, i: int) -> int:
    start, n = i, len(source)
    while i < n:
        char = source[i]
        if source.startswith("(*", i):
            i = _comment_end(source, i)
        elif char == '"':
            i = _string_end(source, i)
        elif char == ".":
            j = i
            while j < n and source[j] == ".":
                j += 1
            if j - i == 1 and (j == n or source[j].isspace()):
                return j
            i = j
        else:
            i += 1
    raise ValueError(
        f"the text from {_where(source, start)} ({source[start : start + 40]!r}) does not end with a period: "
        "every Coq sentence ends with '.'"
    )


def _where(source: str, offset: int) -> str:
    line, column = position(source, offset)
    return f"line {line}, column {column}"


def position(source: str, offset: int) -> tuple[int, int]:
    """(line from 1, column from 0) of ``offset`` in ``source``."""
    before = source[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1)


def bare_text(text: str) -> str:
    """``text`` with comments and string contents removed and blanks collapsed (how the policy reads)."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("(*", i):
            i = _comment_end(text, i)
            out.append(" ")
        elif text[i] == '"':
            i = _string_end(text, i)
            out.append('""')
        else:
            out.append(text[i])
            i += 1
    return " ".join("".join(out).split())


def is_bullet(sentence: Sentence) -> bool:
    return sentence.bare[:1] in ("-", "+", "*", "{", "}") or bool(_BRACE_SELECTOR.fullmatch(sentence.bare))


def refusal(sentence: Sentence, *, commands: bool) -> str | None:
    """Why ``sentence`` may not reach the prover, or ``None``. ``commands`` allows the commands of a
    file (``FILE_COMMANDS``); without it only tactics pass, as inside a proof."""
    if "prompt>" in sentence.text:
        return "the text may not hold 'prompt>': coqtop's prompts are how palaestra reads its answers"
    if is_bullet(sentence):
        return None
    body = sentence.bare
    if selector := _SELECTOR.match(body):
        body = body[selector.end() :]
    if body.startswith("#"):
        return (
            "attributes (#[...]) are not allowed: they can switch off the checker's guard and universe checks"
        )
    words = _WORD.findall(body)
    for word in words:
        if word in REFUSED_TACTICS:
            return f"{word} is refused: it compiles and runs OCaml code on the host"
    first = _WORD.match(body)
    if first is None or not first.group()[0].isupper():  # a tactic ("(tac1; tac2)." starts with "(")
        return None if commands else _unfinished(words)
    word = first.group()
    if word in REACHES_OUTSIDE:
        return f"{word} {REACHES_OUTSIDE[word]}; palaestra refuses it"
    if word in ASSUMES:
        return f"{word} declares an assumption without proof; palaestra refuses it"
    if not commands:
        return (
            f"{word} is a command, not a tactic: the proof may hold tactics only "
            "(palaestra opens the theorem and closes it with Qed itself)"
        )
    if word not in FILE_COMMANDS:
        return f"{word} is not among the commands palaestra allows ({', '.join(sorted(FILE_COMMANDS))})"
    if word in ("Require", "From") and not _REQUIRE.fullmatch(body):
        return "Require takes library names only (From Coq Require Import Lia.), never paths"
    if word in ("Import", "Export") and not _IMPORT.fullmatch(body):
        return f"{word} takes module names only (Import ListNotations.)"
    if word == "Print" and not re.fullmatch(r"Print Assumptions [A-Za-z_][\w.']*\s*\.", body):
        return "only Print Assumptions is allowed among the Print commands"
    if word == "Local" and (len(words) < 2 or words[1] not in FILE_COMMANDS or words[1] == "Local"):
        return "Local may only prefix an allowed command"
    return None


def _unfinished(words: list[str]) -> str | None:
    for word in words:
        if word in UNFINISHED_TACTICS:
            return f"{word} leaves a goal unproved; a proof must prove every goal"
    return None


def leaves_unfinished(sentence: Sentence) -> bool:
    """Whether ``sentence`` ends a proof unproved (``Admitted``) or gives a goal up (``admit``)."""
    words = sentence.words
    return bool(words) and (words[0] == "Admitted" or any(w in UNFINISHED_TACTICS for w in words))


def theorem_name(statement: str) -> str:
    """The name ``statement`` declares: it must be one ``Theorem name : ... .`` sentence."""
    sentences = split_sentences(statement)
    if len(sentences) != 1:
        raise ValueError(f"a statement is one sentence; this text has {len(sentences)}")
    words = sentences[0].words
    if len(words) < 2 or words[0] not in THEOREM_KEYWORDS:
        raise ValueError(f"a statement starts with one of {', '.join(THEOREM_KEYWORDS)} and a name")
    return words[1]


def proof_body(proof: str) -> str:
    """``proof`` without a leading ``Proof.`` and a final ``Qed.``/``Defined.``, which an agent may write."""
    sentences = split_sentences(proof)
    if sentences and sentences[0].bare == "Proof.":
        proof = proof[sentences[0].start + len(sentences[0].text) :]
        sentences = split_sentences(proof)
    if sentences and sentences[-1].bare in ("Qed.", "Defined."):
        proof = proof[: sentences[-1].start]
    return proof.strip()


def parse_goals(output: str) -> tuple[tuple[str, ...], str, bool]:
    """(goals, notes, solved) from what coqtop shows after a tactic. Coq's goal ids are dropped: they
    count every goal the process ever made, so the same proof would read differently in a fresh one."""
    text = _GOAL_ID.sub("", output)
    notes = " ".join(" ".join(part.split()) for part in INFO_BLOCK.findall(text))
    body = INFO_BLOCK.sub("", text).strip()
    if body.startswith("No more goals.") or (not body and notes.startswith("No more goals.")):
        return (), notes, True
    header = re.search(r"^\d+ goals?\s*$", body, re.MULTILINE)
    if header is None:
        return (), notes, False
    parts = re.split(r"\n\s*goal \d+ is:\n", body[header.end() :])
    goals = [textwrap.dedent(parts[0]).strip()] if parts[0].strip() else []
    goals += [textwrap.dedent(part).split("\nYou need to go back")[0].strip() for part in parts[1:]]
    return tuple(goals), notes, False
