import importlib.util
import math
import re

import pytest

from palaestra.core.errors import EnvError
from palaestra.sandboxes import RunResult, SandboxError, SandboxWarning, available_backends, backends, run
from palaestra.sandboxes.backends import BACKENDS, Limits, resolve, unavailable_reasons

pytestmark = [pytest.mark.usefixtures("host_unaffected"), pytest.mark.filterwarnings("ignore::UserWarning")]


def test_the_default_backend_is_the_strongest_that_works_here():
    names = available_backends()
    assert names, unavailable_reasons()
    assert list(names) == [name for name in BACKENDS if name in names]  # in order of strength
    assert resolve(None).name == names[0]
    if "bwrap" in names:
        assert names[0] == "bwrap"


def test_a_program_prints_and_exits(backend):
    assert run("print('hi')", backend=backend) == RunResult("hi\n", "", 0)
    result = run("import sys; print('bye', file=sys.stderr); sys.exit(3)", backend=backend)
    assert (result.stderr, result.exit_code, result.killed, result.ok) == ("bye\n", 3, False, False)
    assert run("raise SystemExit('no input')", backend=backend).stderr == "no input\n"


def test_an_exception_shows_the_code_s_own_traceback(backend):
    result = run("def f():\n    return 1 / 0\nf()", backend=backend)
    assert result.exit_code == 1 and not result.killed
    assert result.stderr.startswith('Traceback (most recent call last):\n  File "main.py", line 3')
    assert "<string>" not in result.stderr and result.stderr.endswith("ZeroDivisionError: division by zero\n")


def test_a_signal_is_reported_as_killed(backend):
    result = run("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", backend=backend)
    assert (result.exit_code, result.killed, result.timed_out) == (-9, True, False)


def test_files_go_in_and_the_written_ones_come_back(backend):
    result = run(
        "print(open('data/in.txt').read()); open('out.bin', 'wb').write(bytes(range(3)))",
        backend=backend,
        files={"data/in.txt": "given", "same.txt": b"kept"},
    )
    assert result.stdout == "given\n" and result.files == {"out.bin": b"\0\1\2"}


def test_files_past_the_cap_are_named_not_returned(backend):
    cap = Limits().files_bytes
    result = run(f"open('big', 'wb').write(b'x' * {cap + 1}); open('small', 'w').write('s')", backend=backend)
    assert result.files == {"small": b"s"}
    assert f"[files not returned, past the {cap} byte cap: big]" in result.stderr


def test_the_sandbox_python_has_what_biomedical_code_needs(backend):
    if importlib.util.find_spec("pandas") is None:
        pytest.skip("pandas is not installed: pip install 'palaestra[medical]'")
    code = """
import sqlite3, numpy as np, pandas as pd
db = sqlite3.connect(":memory:")
db.execute("create table labs (value real)")
db.executemany("insert into labs values (?)", [(1.0,), (3.0,)])
frame = pd.read_sql("select value from labs", db)
print(float(np.mean(frame["value"])))
"""
    result = run(code, backend=backend, timeout=60)  # what is there, not how fast a busy machine imports it
    assert result.stdout == "2.0\n", result.stderr


def test_the_process_backend_warns_that_it_does_not_isolate_files():
    if "process" not in available_backends():
        pytest.skip(f"the process backend does not work here: {unavailable_reasons()['process']}")
    with pytest.warns(SandboxWarning, match="limits resources only"):
        run("pass", backend="process")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"backend": "gvisor"},
            ValueError,
            "unknown sandbox backend 'gvisor'; the backends are: bwrap, docker, process",
        ),
        ({"language": "bash"}, ValueError, "unknown language 'bash'; the sandboxes run: python"),
        ({"timeout": -1}, ValueError, "timeout must be positive, not -1"),
        ({"timeout": 0}, ValueError, "timeout must be positive"),
        ({"timeout": math.inf}, ValueError, "timeout must be a finite number of seconds, not inf"),
        ({"timeout": "5"}, ValueError, "timeout must be a finite number of seconds, not '5'"),
        ({"memory_mb": 64}, ValueError, "memory_mb must be an int of at least 128, not 64"),
        ({"memory_mb": 512.0}, ValueError, "memory_mb must be an int"),
        ({"files": {"../x": "a"}}, ValueError, "relative paths inside the work directory, not '../x'"),
        ({"files": {"/etc/x": "a"}}, ValueError, "not '/etc/x'"),
        ({"files": {"a/../..": "a"}}, ValueError, "not 'a/../..'"),
        ({"files": {"": "a"}}, ValueError, "not ''"),
        ({"files": {"x": 1}}, TypeError, "the content of 'x' must be str or bytes, not int"),
        (
            {"files": {"x": b"\0" * (Limits().disk_mb * 2**20 + 1)}},
            ValueError,
            "more than the work directory's",
        ),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        run("pass", **kwargs)


def test_code_must_be_text():
    with pytest.raises(TypeError, match="code must be a str, not bytes"):
        run(b"print(1)")


def test_a_backend_that_does_not_work_here_says_why(monkeypatch):
    monkeypatch.setitem(
        unavailable_reasons(), "bwrap", "bubblewrap is not installed (apt install bubblewrap)"
    )
    with pytest.raises(SandboxError, match="'bwrap' sandbox backend does not work here: bubblewrap is not"):
        run("pass", backend="bwrap")
    assert issubclass(SandboxError, EnvError)  # a world failure, not the agent's fault


@pytest.mark.skipif("bwrap" not in available_backends(), reason="bwrap does not work here")
def test_limits_the_host_cannot_give_are_a_clear_error(monkeypatch):
    # bwrap's sandbox gets its limits from the host, which may not raise a hard limit of its own
    # above the sandbox's (root may: so the refusal is made up here).
    prlimit = backends.resource.prlimit

    def refused(pid, which, limits):
        if which == backends.resource.RLIMIT_NOFILE:
            raise PermissionError(1, "Operation not permitted")
        return prlimit(pid, which, limits)

    monkeypatch.setattr(backends.resource, "prlimit", refused)
    with pytest.raises(SandboxError, match="bwrap sandbox's limits cannot be set: .*Operation not permitted"):
        run("pass", backend="bwrap")


@pytest.mark.parametrize(
    "code, error",
    [
        ("print(1)\0", "SyntaxError: source code string cannot contain null bytes"),
        ('print("\ud800")', "UnicodeEncodeError"),
        ("def broken(:\n", "SyntaxError"),
    ],
    ids=["null byte", "lone surrogate", "syntax error"],
)
def test_nasty_code_is_the_code_s_error_not_the_host_s(backend, code, error):
    result = run(code, backend=backend)
    assert result.exit_code == 1 and error in result.stderr


def test_a_megabyte_of_code_runs(backend):
    assert run("x = 1\n" * 170_000 + "print(x)", backend=backend).stdout == "1\n"


def test_a_python_environment_under_tmp_is_bound_over_the_sandbox_tmpfs(monkeypatch):
    # CI clones the repository into a temporary folder: its .venv under /tmp must not be hidden by
    # the sandbox's own /tmp (bwrap applies mounts in order, so the bind must come after the tmpfs).
    from palaestra.sandboxes import backends

    monkeypatch.setattr(backends, "python_paths", lambda: ["/tmp/checkout/.venv"])
    argv = backends.BwrapBackend().argv(Limits(), info_fd=3)
    pairs = list(zip(argv, argv[1:]))
    assert pairs.index(("--ro-bind", "/tmp/checkout/.venv")) > pairs.index(("--tmpfs", "/tmp"))
