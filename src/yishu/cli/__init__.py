"""The ``yishu`` command: a thin layer over the Python API.

Each command lives in a module of this package and registers itself on ``app``; domain errors
become one clean line on stderr and exit code 1 (see ``common.run``).
"""

from __future__ import annotations

from yishu.cli import address as _address  # noqa: F401  (registers address)
from yishu.cli import audit as _audit  # noqa: F401  (registers audit)
from yishu.cli import catalog as _catalog  # noqa: F401  (registers catalog)
from yishu.cli import check as _check  # noqa: F401
from yishu.cli import demo as _demo  # noqa: F401  (registers demo)
from yishu.cli import evaluate as _evaluate  # noqa: F401  (registers eval)
from yishu.cli import govern as _govern  # noqa: F401  (registers govern, task)
from yishu.cli import ingest as _ingest  # noqa: F401  (registers ingest, delivery)
from yishu.cli import link as _link  # noqa: F401  (registers link)
from yishu.cli import quality as _quality  # noqa: F401  (registers quality)
from yishu.cli import release as _release  # noqa: F401  (registers release)
from yishu.cli import serve as _serve  # noqa: F401  (registers serve)
from yishu.cli import synth as _synth  # noqa: F401  (registers synth)
from yishu.cli import user as _user  # noqa: F401  (registers user)
from yishu.cli import workspace as _workspace  # noqa: F401  (registers init, settings)
from yishu.cli.common import app


def main() -> None:
    app()


__all__ = ["app", "main"]
