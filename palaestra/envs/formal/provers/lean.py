"""The Lean 4 backend: the Lean REPL's JSON protocol, spoken to a REPL the user built.

Commands go one JSON object at a time, each followed by a blank line; so do the replies:
``{"cmd": text, "env"?: n}`` gives ``{"env", "messages", "sorries"}`` and ``{"tactic": t,
"proofState": n}`` gives ``{"proofState", "goals", "proofStatus"}``. Errors come as messages of
severity ``error``, as a top-level ``message``, or as a ``proofStatus`` starting with ``Error``; a
reply is read on every channel, and a proof counts only with no error, no ``sorry``, its statement
as given, and ``#print axioms`` naming the standard three at most.

The REPL comes from ``repl=`` or the ``PALAESTRA_LEAN_REPL`` variable: a command line (the REPL binary,
``lake env .../repl``), or the REPL's source folder, where ``lake exe repl`` runs it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from typing import Any

from palaestra.envs.formal.provers.base import (
    CheckResult,
    Message,
    ProofState,
    ProverError,
    ProverTimeoutError,
    ProverUnavailableError,
    TacticResult,
    Verdict,
)
from palaestra.envs.formal.provers.process import CheckerProcess, ProcessProver

REPL_VARIABLE = "PALAESTRA_LEAN_REPL"
STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
UNAVAILABLE = (
    "no Lean 4 REPL is configured: build https://github.com/leanprover-community/repl (lake build) and "
    f"set {REPL_VARIABLE} to its folder or to the command that runs it, or pass repl=... to the env"
)
# Words that run code at elaboration time, change the checker, or leave the theorem's proof.
REFUSED_WORDS = {
    "#eval": "#eval runs code, IO included",
    "#exit": "#exit stops checking the file",
    "run_tac": "run_tac runs arbitrary meta-code",
    "run_cmd": "run_cmd runs arbitrary meta-code",
    "run_elab": "run_elab runs arbitrary meta-code",
    "run_meta": "run_meta runs arbitrary meta-code",
    "unsafe": "unsafe code escapes the kernel",
    "implemented_by": "implemented_by swaps in unchecked code",
    "extern": "extern links native code",
    "import": "import loads modules beyond the problem's header",
    "set_option": "set_option changes the checker's settings",
    "elab": "elab defines meta-code",
    "macro": "macro defines meta-code",
    "macro_rules": "macro_rules defines meta-code",
    "elab_rules": "elab_rules defines meta-code",
    "syntax": "syntax extends the parser",
    "initialize": "initialize runs code at load time",
    "builtin_initialize": "builtin_initialize runs code at load time",
    "axiom": "axiom declares an assumption without proof",
    "opaque": "opaque declares a constant without a body to check",
}
PROOF_ONLY_REFUSED = ("theorem", "lemma", "def", "instance", "example", "namespace", "section", "end", "open")
UNFINISHED = ("sorry", "admit")
_WORD = re.compile(r"#?[A-Za-z_][\w.'!?]*")
_NAME = re.compile(r"\s*(?:@\[[^\]]*\]\s*)?(?:private\s+|protected\s+)?(theorem|lemma)\s+([^\s:({\[]+)")
_AXIOMS = re.compile(r"depends on axioms: \[(.*?)\]", re.DOTALL)


def repl_command(repl: str | None) -> tuple[list[str], str | None]:
    """(argv, folder to run it in) for ``repl``, else ``PALAESTRA_LEAN_REPL``;
    ``ProverUnavailableError`` when neither is set."""
    value = repl or os.environ.get(REPL_VARIABLE, "")
    if not value.strip():
        raise ProverUnavailableError(UNAVAILABLE)
    if os.path.isdir(value):
        return ["lake", "exe", "repl"], value
    return shlex.split(value), None


def lean_refusal(text: str, *, proof: bool) -> str | None:
    """Why ``text`` may not reach Lean, or ``None``. A ``proof`` (tactics after ``:= by``) may hold
    no command and no unfinished step; a statement or file may hold no code that runs."""
    try:
        words = _WORD.findall(bare_text(text))
    except ValueError as error:
        return str(error)
    for word in words:
        if word in REFUSED_WORDS:
            return f"{REFUSED_WORDS[word]}; palaestra refuses it"
        if word == "IO" or word.startswith("IO."):
            return "IO actions are refused: a proof may not reach the file system or the shell"
        if proof and word in UNFINISHED:
            return f"{word} leaves a goal unproved; a proof must prove every goal"
        if proof and word in PROOF_ONLY_REFUSED:
            return f"{word} starts a command: the proof may hold tactics only"
        if word.startswith("#"):
            return f"{word} is a command; palaestra refuses commands here"
    return None


def bare_text(text: str) -> str:
    """``text`` without comments and string contents (``ValueError`` if one is never closed)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/-", i):
            depth, j = 0, i
            while j < n:
                if text.startswith("/-", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("-/", j):
                    depth, j = depth - 1, j + 2
                    if depth == 0:
                        break
                else:
                    j += 1
            if depth:
                raise ValueError("a /- comment is never closed")
            out.append(" ")
            i = j
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise ValueError("a string is never closed")
            out.append('""')
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def theorem_name(statement: str) -> str:
    """The name of ``theorem name ...`` (or ``lemma``); ``ValueError`` otherwise."""
    match = _NAME.match(statement)
    if match is None:
        raise ValueError("a statement starts with 'theorem name' (Lean 4), without ':= by'")
    return match.group(2)


def proof_body(proof: str) -> str:
    """The tactics of ``proof``, which may start with ``by`` or ``:= by``."""
    body = proof.strip()
    for prefix in (":= by", "by"):
        if body.startswith(prefix) and (len(body) == len(prefix) or body[len(prefix)].isspace()):
            return body[len(prefix) :].strip()
    return body


def _message(raw: dict[str, Any]) -> Message:
    return Message(str(raw.get("severity", "error")), str(raw.get("data", "")), *_position(raw))


def reply_errors(reply: dict[str, Any]) -> list[str]:
    """Every error a reply carries, on any channel: error messages, ``message``, an ``Error`` status."""
    errors = [str(m.get("data", "")) for m in reply.get("messages") or [] if m.get("severity") == "error"]
    if reply.get("message"):
        errors.append(str(reply["message"]).strip())
    status = reply.get("proofStatus")
    if isinstance(status, str) and status.lower().startswith("error"):
        errors.append(status)
    return errors


def _sorry_messages(reply: dict[str, Any]) -> tuple[Message, ...]:
    found = [
        Message("warning", f"sorry: {s.get('goal', '')}".strip(), *_position(s))
        for s in reply.get("sorries") or []
    ]
    found += [
        _message(m)
        for m in reply.get("messages") or []
        if m.get("severity") == "warning" and "sorry" in str(m.get("data", ""))
    ]
    return tuple(found)


def _position(raw: dict[str, Any]) -> tuple[int, int, int, int]:
    pos, end = raw.get("pos") or {}, raw.get("endPos") or {}
    return (
        int(pos.get("line", 0)),
        int(pos.get("column", 0)),
        int(end.get("line", 0)),
        int(end.get("column", 0)),
    )


class LeanProver(ProcessProver):
    """A Lean 4 REPL kept warm: ``timeout`` seconds per call (the REPL has none of its own, so a
    late call kills it), ``memory_mb`` of address space, a restart after a timeout or a death.
    The first call (importing the header) may take ``start_timeout`` seconds."""

    language = "lean"

    def __init__(
        self,
        *,
        repl: str | None = None,
        timeout: float = 30.0,
        memory_mb: int = 8192,
        start_timeout: float = 300.0,
    ):
        super().__init__(timeout=timeout, memory_mb=memory_mb)
        self.argv, self.folder = repl_command(repl)
        self.start_timeout = start_timeout
        self._headers: dict[str, int] = {}  # header text -> the REPL env that has it, in this process

    def _launch(self) -> CheckerProcess:
        self._headers = {}
        return CheckerProcess(
            self.argv, memory_mb=self.memory_mb, name="the Lean REPL", cwd=self.folder, env=dict(os.environ)
        )

    # -- the protocol ----------------------------------------------------------------------------
    def _ask(self, request: dict[str, Any], deadline: float) -> dict[str, Any]:
        self._process.write(json.dumps(request, ensure_ascii=False) + "\n\n")
        raw = self._process.read_until(b"\n\n", deadline).decode(errors="replace").strip()
        try:
            reply = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ProverError(f"the Lean REPL answered with something not JSON: {raw[:200]!r}") from error
        if not isinstance(reply, dict):
            raise ProverError(f"the Lean REPL answered with {type(reply).__name__}, not an object")
        return reply

    def _header_env(self, header: str, deadline: float) -> int | None:
        """The REPL env holding ``header`` (imports, opens), made once per process."""
        if not header.strip():
            return None
        if header not in self._headers:
            slow = max(deadline, time.monotonic() + self.start_timeout)
            reply = self._ask({"cmd": header}, slow)
            errors = reply_errors(reply)
            if errors or "env" not in reply:
                raise ValueError(f"Lean refused the header: {errors[0] if errors else reply}")
            self._headers[header] = int(reply["env"])
        return self._headers[header]

    def _command(self, text: str, header: str, deadline: float) -> dict[str, Any]:
        request: dict[str, Any] = {"cmd": text}
        env = self._header_env(header, deadline)
        if env is not None:
            request["env"] = env
        return self._ask(request, deadline)

    # -- the public calls ----------------------------------------------------------------------
    def check(self, text: str, *, preamble: str = "", timeout: float | None = None) -> CheckResult:
        """Check ``text`` after ``preamble`` (the header: imports, opens; run once per process and
        kept as a REPL env): its messages and sorries."""
        reason = lean_refusal(text, proof=False)
        if reason:
            return CheckResult((Message("error", reason),))
        try:
            reply = self._call(lambda deadline: self._command(text, preamble, deadline), timeout)
        except ProverTimeoutError as error:
            return CheckResult((Message("error", str(error)),), timed_out=True)
        messages = tuple(_message(m) for m in reply.get("messages") or [])
        messages += tuple(Message("error", e) for e in reply_errors(reply) if not reply.get("messages"))
        return CheckResult(messages, _sorry_messages(reply))

    def open_theorem(self, statement: str, preamble: str = "") -> ProofState:
        """The state at the start of the proof of ``statement`` (``theorem name ... : P``);
        ``preamble`` is the header (imports, opens). ``ValueError`` if Lean refuses them."""
        theorem_name(statement)
        reason = lean_refusal(statement, proof=False)
        if reason:
            raise ValueError(reason)
        return self._call(lambda deadline: self._open(statement, preamble, deadline), None)

    def _open(self, statement: str, header: str, deadline: float) -> ProofState:
        reply = self._command(f"{statement} := by sorry", header, deadline)
        errors = reply_errors(reply)
        sorries = reply.get("sorries") or []
        if errors or len(sorries) != 1 or "proofState" not in sorries[0]:
            raise ValueError(
                f"Lean refused the statement: {errors[0] if errors else 'no proof state came back'}"
            )
        goal = str(sorries[0].get("goal", ""))
        return ProofState((goal,), (statement,), False, header, int(sorries[0]["proofState"]), self.epoch)

    def apply(self, state: ProofState, tactic: str, *, timeout: float | None = None) -> TacticResult:
        """``tactic`` applied to ``state``: the new state or the error (``state`` stays usable)."""
        if not tactic.strip():
            return TacticResult(None, "no tactic given")
        reason = lean_refusal(tactic, proof=True)
        if reason:
            return TacticResult(None, reason, refused=True)
        try:
            return self._call(lambda deadline: self._apply(state, tactic, deadline), timeout)
        except ProverTimeoutError:
            limit = self.timeout if timeout is None else timeout
            return TacticResult(None, f"the tactic ran past {limit:g} s and was stopped", timed_out=True)

    def _apply(self, state: ProofState, tactic: str, deadline: float) -> TacticResult:
        handle = self._rebuild(state, deadline) if state.epoch != self.epoch else state.handle
        reply = self._ask({"tactic": tactic, "proofState": handle}, deadline)
        messages = tuple(_message(m) for m in reply.get("messages") or [])
        errors = reply_errors(reply)
        if errors:
            return TacticResult(None, errors[0], messages)
        if "proofState" not in reply or not isinstance(reply.get("goals"), list):
            return TacticResult(None, f"the Lean REPL's reply has no proof state: {reply}", messages)
        goals = tuple(str(g) for g in reply["goals"])
        sorries = reply.get("sorries") or []
        status = reply.get("proofStatus")
        # Never trust an empty goal list alone: a sorry, or a status other than Completed, is no proof.
        solved = not goals and not sorries and status in (None, "Completed")
        notes = "" if solved or status in (None, "Completed") else str(status)
        script = state.script + (tactic.strip(),)
        new = ProofState(goals, script, solved, state.preamble, int(reply["proofState"]), self.epoch, notes)
        return TacticResult(new, None, messages)

    def _rebuild(self, state: ProofState, deadline: float) -> int:
        """The handle of ``state`` in this process: its statement opened again, its tactics replayed."""
        current = self._open(state.script[0], state.preamble, deadline)
        for tactic in state.script[1:]:
            result = self._apply(current, tactic, deadline)
            if result.state is None:
                raise ProverError(f"could not rebuild a proof state: {tactic!r} failed with {result.error}")
            current = result.state
        return current.handle

    def verify(self, statement: str, proof: str, preamble: str = "") -> Verdict:
        """Whether ``proof`` (tactics, with or without a leading ``by``) proves ``statement``: checked
        as one command after the header, with no error, no sorry, no refused word in the proof, and
        ``#print axioms`` showing nothing beyond ``propext``, ``Classical.choice`` and ``Quot.sound``."""
        try:
            name = theorem_name(statement)
        except ValueError as error:
            return Verdict(False, f"rejected: {error}")
        body = proof_body(proof)
        if not body:
            return Verdict(False, "rejected: the proof is empty")
        reason = lean_refusal(statement, proof=False) or lean_refusal(body, proof=True)
        if reason:
            return Verdict(False, f"rejected: {reason}")
        indented = "\n".join("  " + line for line in body.splitlines())
        text = f"{statement} := by\n{indented}\n\n#print axioms {name}"
        try:
            reply = self._call(lambda deadline: self._command(text, preamble, deadline), None)
        except ProverTimeoutError:
            return Verdict(False, "rejected: checking the proof ran past the time limit")
        messages = tuple(_message(m) for m in reply.get("messages") or [])
        errors = reply_errors(reply)
        if errors:
            return Verdict(False, f"rejected by Lean: {errors[0]}", messages)
        if _sorry_messages(reply):
            return Verdict(False, "rejected: the proof uses sorry", messages)
        said = " ".join(m.text for m in messages if m.severity == "info" and f"'{name}'" in m.text)
        if "does not depend on any axioms" in said:
            return Verdict(True, "accepted: Lean checked the proof; it depends on no axiom", messages)
        listed = _AXIOMS.search(said)
        if listed is None:
            return Verdict(False, "rejected: Lean's reply lacks the #print axioms report", messages)
        axioms = {a.strip() for a in listed.group(1).split(",") if a.strip()}
        if not axioms <= STANDARD_AXIOMS:
            extra = ", ".join(sorted(axioms - STANDARD_AXIOMS))
            return Verdict(False, f"rejected: the proof relies on non-standard axioms: {extra}", messages)
        return Verdict(True, "accepted: Lean checked the proof with standard axioms only", messages)
