"""The serve-env image's health check: GET /health where the server listens, as its command line
says (options after the image name override the image's --host and --port, so the last one counts)."""

import urllib.request


def option(arguments: list[str], name: str, default: str) -> str:
    """The last value given for ``name`` (``--port 8001`` or ``--port=8001``), else ``default``."""
    value = default
    for index, argument in enumerate(arguments):
        if argument == name and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif argument.startswith(name + "="):
            value = argument.split("=", 1)[1]
    return value


with open("/proc/1/cmdline") as command_line:  # the server is the container's first process
    arguments = command_line.read().split("\0")
host = option(arguments, "--host", "127.0.0.1")
host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # every interface: loopback is one
urllib.request.urlopen(f"http://{host}:{option(arguments, '--port', '8000')}/health", timeout=2)
