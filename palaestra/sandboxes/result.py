"""What running code in a sandbox gives back."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RunResult:
    """The outcome of a program (``run``) or of a cell (``PythonSession.run``).

    ``stdout`` and ``stderr`` are decoded as UTF-8 (bad bytes replaced) and capped: past the cap,
    their start and end are kept around a line ``[... N bytes cut ...]``. ``exit_code`` is 0 on
    success, 1 after an uncaught exception, the code given to ``sys.exit``, or minus the signal
    that ended the program; None when the sandbox ended it at the timeout. ``killed`` says that a
    signal ended it (the timeout, the memory or file size limit, or the code itself), ``timed_out``
    that the timeout did. ``files`` holds the files of the work directory written during the run,
    by path relative to it (inputs given unchanged are left out), up to the sandbox's cap.
    """

    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool = False
    killed: bool = False
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """The code ran to its end without an error."""
        return self.exit_code == 0
