"""A stand-in for the Lean REPL process that replays a transcript: it tests palaestra's client, not Lean.

Run as ``python fake_lean_repl.py TRANSCRIPT``. It reads JSON commands separated by blank lines, as the
REPL does, and answers each with the first unused transcript entry whose ``request`` equals it (the
last such entry once all are used), pretty-printed and followed by a blank line, as the REPL does; it
logs every request to ``TRANSCRIPT.log``, one JSON line each. An
entry with ``"hang": true`` never answers; one with ``"exit_once": PATH`` exits the first time (it
creates PATH to remember that). A request the transcript lacks gets an error reply naming it.
"""

import json
import sys
import time
from pathlib import Path


def main() -> None:
    entries = json.loads(Path(sys.argv[1]).read_text())
    used: set[int] = set()
    lines: list[str] = []
    for line in sys.stdin:
        if line.strip():
            lines.append(line)
            continue
        if not lines:
            continue
        request, lines = json.loads("".join(lines)), []
        with open(sys.argv[1] + ".log", "a") as log:
            log.write(json.dumps(request) + "\n")
        matches = [i for i, entry in enumerate(entries) if entry["request"] == request]
        if not matches:
            answer({"message": f"fake REPL: no transcript entry for {json.dumps(request)}"})
            continue
        index = next((i for i in matches if i not in used), matches[-1])
        used.add(index)
        entry = entries[index]
        if entry.get("hang"):
            time.sleep(3600)
        flag = entry.get("exit_once")
        if flag and not Path(flag).exists():
            Path(flag).touch()
            sys.exit(1)
        answer(entry["response"])


def answer(reply: dict) -> None:
    sys.stdout.write(json.dumps(reply, indent=1, ensure_ascii=False) + "\n\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
