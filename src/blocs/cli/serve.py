"""``blocs serve``: the interactive scenario explorer in the browser (:mod:`blocs.app`).

Binds to 127.0.0.1 on a free port unless told otherwise, warms the compiled models, prints
the address and opens the browser. Exit codes as for every command: 0 ok, 2 bad input.
"""

from __future__ import annotations

import socket
import threading
import webbrowser
from typing import Annotated

import typer
import uvicorn

from blocs.app import Engine, create_app, warm_documents
from blocs.cli.common import enable_compile_cache, err_console, handle_errors, text
from blocs.errors import InputError

__all__ = ["COMMANDS", "serve"]

LOCAL = "127.0.0.1"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror}); "
            "leave out --port for a free one"
        ) from None
    sock.listen(128)
    return sock


def serve(
    port: Annotated[int, typer.Option(help="port to listen on (default: a free one)")] = 0,
    host: Annotated[
        str,
        typer.Option(help="address to bind; anything but 127.0.0.1 exposes the app to others"),
    ] = LOCAL,
    browser: Annotated[
        bool, typer.Option("--browser/--no-browser", help="open the page in the browser")
    ] = True,
) -> None:
    """Start the interactive scenario explorer (a local web app) and open it.

    Example: blocs serve --no-browser --port 8765
    """
    enable_compile_cache()
    console = err_console()
    with handle_errors():
        if not 0 <= port <= 65535:
            raise InputError(f"--port {port}: use a port from 1 to 65535 (or leave it out)")
        if host not in (LOCAL, "localhost", "::1"):
            console.print(
                text(
                    f"warning: --host {host} makes the app reachable from other machines; it "
                    "has no login and runs any scenario sent to it. Use it on a trusted "
                    "network only."
                ),
                style="bold yellow",
            )
        sock = _bind(host, port)
    engine = Engine()
    with console.status(text("compiling the models (first solve) ..."), spinner="dots"):
        seconds = engine.warm(warm_documents())
    app = create_app(warm=False, engine=engine)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/"
    console.print(text(f"blocs app ready in {seconds:.1f} s at {url}  (Ctrl-C stops it)"))
    if browser:
        threading.Timer(0.3, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


COMMANDS = {"serve": serve}
