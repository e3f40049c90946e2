"""The program that runs inside a sandbox: it sets the limits, then runs the agent's code.

The host starts it as ``python -I -S -c <bootstrap> palaestra-sandbox-of-<host pid> <replies> <size>``;
the bootstrap reads this module, compiled (``size`` bytes), from fd 0 and runs it. Then the host
speaks to it in frames (a 4-byte big-endian length, then the message): fd 0 brings requests in
``marshal`` form (the host is trusted); ``<replies>``, an inherited fd's number or
a FIFO's path, takes replies in JSON (the host must not trust the sandbox, and ``marshal`` is not safe
against crafted data). The agent's code runs in this very process, so a cell costs no process start;
its stdout and stderr are the process's own fds 1 and 2, read by the host, and each cell ends them
with a marker so the host knows that it has all of a cell's output.

It imports nothing from palaestra (the package is not mounted in the sandbox) and only the
standard library, since it runs before the environment's ``site-packages`` is on the path; and as
little of it as it can, since imports are most of a cold sandbox's start: the json, base64,
traceback and ast modules would each add several milliseconds, and even ``os`` a millisecond or
two. So it speaks to the system through ``posix`` (built in, and already loaded: ``os`` is made on
top of it) and imports the rest where it is needed: ``os`` to write input files, ``binascii`` to
return written ones, ``ast`` in sessions, ``traceback`` after an exception, ``resource`` where the
host has not set the limits itself (bwrap's sandboxes start with them).
"""

import marshal
import posix
import sys

MAX_FRAME = 1 << 30


def read_exact(fd, size):
    data = b""
    while len(data) < size:
        chunk = posix.read(fd, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def receive(fd):
    size = int.from_bytes(read_exact(fd, 4), "big")
    if size > MAX_FRAME:
        raise ValueError(f"frame of {size} bytes")
    return marshal.loads(read_exact(fd, size))


def to_json(value):
    """JSON of what replies hold: ints, bools, lists, dicts, and text that needs no escapes
    (names and contents of files travel in base64)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ",".join(map(to_json, value)) + "]"
    return "{" + ",".join(f'"{key}":{to_json(item)}' for key, item in value.items()) + "}"


def base64(data):
    import binascii

    return binascii.b2a_base64(data, newline=False).decode()


def fsencode(name):
    """``os.fsencode``, without ``os``."""
    return name.encode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())


def send(fd, message):
    data = to_json(message).encode()
    view = memoryview(len(data).to_bytes(4, "big") + data)
    while view:
        view = view[posix.write(fd, view) :]


def enter_user_namespace():
    """Move into a user namespace of our own, keeping our uid; False where the kernel refuses.

    Only the process backend asks for it (bwrap makes one itself). Inside it, the process limit
    counts only this sandbox's processes, not all of the host user's (root is exempt from that
    limit anyway: its sandboxes get a pids cgroup); the code keeps no capability outside it; and
    the host can find every process of the sandbox by its namespace to end them all.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = posix.geteuid(), posix.getegid()
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        return False
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as file:
            file.write(text)
    return True


def set_limits(limits):
    """Set ``limits``, and no core files; an empty ``limits`` means the host has set them all."""
    if not limits:
        return
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, value in limits.items():
        which = getattr(resource, f"RLIMIT_{name.upper()}")
        resource.setrlimit(which, (value, value))  # the hard limit too, so the code cannot raise it


def write_files(files):
    if not files:
        return
    import os

    for name, content in files.items():
        os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
        with open(name, "wb") as file:
            file.write(content)


def snapshot(work_dir):
    """What each regular file of the work directory is now: (inode, size, mtime, ctime) by its path
    relative to the directory. Symbolic links are neither followed nor listed."""
    seen = {}
    folders = [""]  # relative paths ending in "/", the work directory's own ""
    while folders:
        folder = folders.pop()
        try:
            entries = posix.scandir(f"{work_dir}/{folder}")
        except OSError:
            continue  # removed meanwhile by the code's own processes, or unreadable
        with entries:
            for entry in entries:
                path = folder + entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(path + "/")
                    elif entry.is_file(follow_symlinks=False):
                        info = entry.stat(follow_symlinks=False)
                        seen[path] = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
                except OSError:
                    continue  # removed meanwhile
    return seen


def changed_files(work_dir, before, cap):
    """Files whose snapshot differs from ``before`` (name and content in base64), up to ``cap``
    bytes in all; and the names of those left out for the cap. (File times alone would not do: the
    kernel's coarse clock gives a cell's files the times of the previous cell's.)"""
    found, total, skipped = {}, 0, []
    for path, now in sorted(snapshot(work_dir).items()):
        if before.get(path) == now:
            continue
        if total + now[1] > cap:
            skipped.append(base64(fsencode(path)))
            continue
        try:
            with open(f"{work_dir}/{path}", "rb") as file:
                data = file.read(now[1])
        except OSError:
            continue
        total += len(data)
        found[base64(fsencode(path))] = base64(data)
    return found, skipped


def show_traceback(error):
    # Leave out this file's frames: the agent should see only its own code in the traceback.
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == "<string>":
        tb = tb.tb_next
    import traceback

    traceback.print_exception(type(error), error, tb)


def execute(code, namespace, filename, *, show_last):
    """Run ``code``; its exit code: 0, 1 after an exception, or what ``sys.exit`` asked for.

    With ``show_last``, as in a notebook, the value of a final expression is printed."""
    try:
        if not show_last:
            exec(compile(code, filename, "exec"), namespace)
            return 0
        import ast

        tree = ast.parse(code, filename)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, filename, "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
            if value is not None:
                print(repr(value))
        return 0
    except SystemExit as error:
        if error.code is None or isinstance(error.code, int):
            return int(error.code or 0)
        print(error.code, file=sys.stderr)
        return 1
    except BaseException as error:  # noqa: BLE001 - whatever the agent's code raises is its output
        show_traceback(error)
        return 1


def end_output(marker):
    """Flush the code's output and mark its end on fds 1 and 2; whether each mark went out."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass  # the code closed or replaced the stream; the marker below still goes out
    marked = []
    for fd in (1, 2):
        try:
            marked.append(posix.write(fd, marker) == len(marker))
        except OSError:
            marked.append(False)  # the code closed the fd: the host then starts a fresh worker
    return marked


def main():
    # The reply channel: an inherited pipe's fd, or a FIFO's path where no fd can be passed in.
    where = sys.argv[2]
    replies = int(where) if where.isdigit() else posix.open(where, posix.O_WRONLY)
    requests = posix.dup(0)
    posix.dup2(posix.open("/dev/null", posix.O_RDONLY), 0)
    posix.set_inheritable(requests, False)  # children the code starts must not speak the protocol
    posix.set_inheritable(replies, False)
    # The first compile() builds the compiler's AST types (1.5 ms): done here, it overlaps whatever
    # the host still does before it sends the setup (a pids cgroup's first move takes milliseconds).
    compile("", "<warm-up>", "exec")
    setup = receive(requests)
    in_namespace = enter_user_namespace() if setup["user_namespace"] else False
    set_limits(setup["limits"])
    sys.path.extend(setup["path"])
    work_dir = setup["work_dir"]
    posix.chdir(work_dir)
    write_files(setup["files"])
    marker = setup["marker"]
    cap = setup["files_cap"]
    send(replies, {"ready": True, "user_namespace": in_namespace})
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    script = setup["mode"] == "script"
    cell = 0
    while True:
        if script:
            code, filename = setup["code"], "main.py"
        else:
            try:
                code = receive(requests)["code"]
            except EOFError:
                posix._exit(0)
            cell += 1
            filename = f"<cell {cell}>"
        before = snapshot(work_dir)
        exit_code = execute(code, namespace, filename, show_last=not script)
        marked = end_output(marker)
        files, skipped = changed_files(work_dir, before, cap)
        send(replies, {"exit_code": exit_code, "marked": marked, "files": files, "files_skipped": skipped})
        if script:
            posix._exit(exit_code & 0xFF)  # without waiting for threads the code left running


if __name__ == "__main__":
    main()
