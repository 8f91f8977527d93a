"""`pipelines`: the seed's Dagster UI over the same folders (the optional extra `pipelines`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import add_path_flags, settings_from_flags


def add_pipelines_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=3005, help="web UI port (default 3005)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only)")
    add_path_flags(parser)


PIPELINES_INSTALL = "uv sync --extra pipelines (or pip install 'just-dna-desktop[pipelines]')"


def run_pipelines(args: argparse.Namespace) -> int:
    """`dagster dev` on `just_dna_desktop.pipelines`, with DAGSTER_HOME beside the app state."""
    import importlib.util
    import os
    import signal
    import subprocess

    from .. import RESOURCES_DIR
    from ..core.workspace import settings as core_settings
    from ..core.errors import UserError

    for module in ("dagster", "dagster_webserver"):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            where = ("the app bundle does not include them; install just-dna-desktop from "
                     "source with" if getattr(sys, "frozen", False) else "install them with")
            raise UserError(f"the Dagster pipelines are not installed ({module} is missing): "
                            f"{where} {PIPELINES_INSTALL}")
    settings = settings_from_flags(args)
    home = Path(os.environ.get("DAGSTER_HOME") or settings.state_dir / "dagster").absolute()
    core_settings.ensure_settings_file(home / "dagster.yaml",
                                       RESOURCES_DIR / "dagster.template.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    # Folders given as flags reach the code server as the environment variables they override.
    for flag, variable in (("data_dir", core_settings.ENV_DATA_DIR),
                           ("state_dir", core_settings.ENV_HOME),
                           ("cache_dir", core_settings.ENV_CACHE_DIR),
                           ("input_dir", core_settings.ENV_INPUT_DIR),
                           ("output_dir", core_settings.ENV_OUTPUT_DIR)):
        if getattr(args, flag, None) is not None:
            env[variable] = str(getattr(settings, flag))
    command = [sys.executable, "-m", "dagster", "dev", "-m", "just_dna_desktop.pipelines",
               "--host", args.host, "--port", str(args.port)]
    print(f"Dagster UI: http://{args.host}:{args.port}  (DAGSTER_HOME={home}); Ctrl-C to stop",
          flush=True)
    process = subprocess.Popen(command, env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                pass  # dagster dev got the Ctrl-C too and is shutting down: wait for it
    finally:
        signal.signal(signal.SIGTERM, previous)
