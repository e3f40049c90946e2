"""Prover latency: what a tactic and a whole-proof check cost on the Coq backend, warm against cold.

All figures come from this one run, on this machine, so the ratios compare like with like:

- a tactic round trip p50: ``CoqProver.apply`` of the first reference tactic on a warm coqtop (the
  state restored, the tactic run, the goals read back), against a fresh ``coqc`` checking the
  statement and that tactic;
- a whole-proof check p50: ``verify`` (the proof from the initial state, ``Qed`` and ``Print
  Assumptions``) on a prover borrowed from a warm ``ProverPool``, the memory of checked files
  cleared each time, against a fresh ``coqc`` on the same file;
- and what the same proof costs when it comes back (answered from ``coq.CHECKED``).

    .venv/bin/python benchmarks/prover_latency.py

Needs coqtop and coqc (Debian's ``coq``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from palaestra.envs.formal.problems import builtin_problems
from palaestra.envs.formal.provers import CoqProver, ProverPool
from palaestra.envs.formal.provers.coq import CHECKED


def p50s(functions: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """The median time of each function, called in turn, so that load changes weigh on all alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def fresh_coqc(folder: Path, text: str) -> Callable[[], None]:
    """A ``coqc`` run on ``text`` written to a file of its own; it must succeed."""
    path = folder / "Checked.v"
    path.write_text(text)

    def run() -> None:
        subprocess.run(["coqc", "-q", path.name], cwd=folder, check=True, capture_output=True)

    return run


def measure(repeats: int, pool_size: int) -> dict[str, float]:
    problem = builtin_problems()[0]
    statement, proof, preamble = problem.coq_statement, problem.coq_proof, problem.coq_preamble
    name = statement.split()[1]
    script = "\n".join(proof)
    whole = f"{preamble}\n{statement}\nProof.\n{script}\nQed.\nPrint Assumptions {name}.\n"
    first = f"{preamble}\n{statement}\nProof.\n{proof[0]}\nAdmitted.\n"  # up to the first tactic
    prover = CoqProver()
    pool = ProverPool(CoqProver, size=pool_size)
    try:
        start = prover.open_theorem(statement, preamble)
        if (
            prover.apply(start, proof[0]).state is None
            or not prover.verify(statement, script, preamble).accepted
        ):
            raise SystemExit(f"the reference proof of {problem.id} does not check")

        def pooled_verify() -> None:
            CHECKED.clear()  # a real check each time, not the remembered verdict
            with pool.prover() as borrowed:
                borrowed.verify(statement, script, preamble)

        def remembered_verify() -> None:
            with pool.prover() as borrowed:
                borrowed.verify(statement, script, preamble)

        with tempfile.TemporaryDirectory() as tactic_dir, tempfile.TemporaryDirectory() as whole_dir:
            figures = p50s(
                {
                    "tactic warm": lambda: prover.apply(start, proof[0]),
                    "tactic coqc": fresh_coqc(Path(tactic_dir), first),
                    "check pool": pooled_verify,
                    "check coqc": fresh_coqc(Path(whole_dir), whole),
                },
                repeats,
            )
            remembered_verify()
            figures["check remembered"] = p50s({"again": remembered_verify}, repeats)["again"]
    finally:
        prover.close()
        pool.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="calls per figure (the p50 is their median)")
    parser.add_argument("--pool-size", type=int, default=2, help="warm provers in the pool")
    args = parser.parse_args(argv)
    missing = [tool for tool in ("coqtop", "coqc") if shutil.which(tool) is None]
    if missing:
        print(f"missing {', '.join(missing)}: apt-get install coq", file=sys.stderr)
        return 1
    figures = measure(args.repeats, args.pool_size)
    for what, warm, cold in (
        ("tactic round trip", "tactic warm", "tactic coqc"),
        ("whole-proof check", "check pool", "check coqc"),
    ):
        print(
            f"{what} p50: warm {figures[warm] * 1000:.2f} ms, fresh coqc {figures[cold] * 1000:.1f} ms: "
            f"{figures[cold] / figures[warm]:.1f}x faster warm"
        )
    print(
        f"the same proof again p50: {figures['check remembered'] * 1000:.3f} ms (answered from coq.CHECKED)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
