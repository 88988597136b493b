"""The ``stockingsim`` command.

Subcommands: ``demo`` (the whole job on a bundled leg), ``simulate``, ``design``, ``classify``,
``fabric list|show|fit``, ``report``, ``batch``, ``fit`` (a patient's size from a size chart) and
``app`` (the local web app), ``calibrate`` and ``agreement``. Exit codes: 0 done, 1 the work failed (a
:mod:`stockingsim.errors` error, an unreadable file, ...), 2 the command line is wrong. Errors are
one line on stderr; ``--debug`` shows the traceback instead.

The parser is built in ``_parser.py``; the subcommands run in modules by theme: the pressure of
one stocking (``_pressure.py``: demo, simulate, design, report, classify), fabrics
(``_fabrics.py``), tables of many results and measurements (``_tables.py``: batch, calibrate,
agreement) and one patient (``_clinic.py``: fit, app). ``_inputs.py`` reads and checks what is
typed; ``_output.py`` prints and draws.

Examples
--------
>>> from stockingsim.cli import main
>>> main(["classify", "27", "--standard", "RAL-GZ 387"])
27.0 mmHg, RAL-GZ 387: class II (23-32 mmHg)
0
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

from stockingsim import errors
from stockingsim.cli._clinic import cmd_app, cmd_fit
from stockingsim.cli._fabrics import cmd_fabric
from stockingsim.cli._inputs import (
    DEFAULT_FABRIC,
    DEFAULT_STANDARD,
    DEFAULT_TARGET,
    LANDMARKS,
    METHODS,
    PROG,
    STYLES,
    UsageError,
    check_names,
)
from stockingsim.cli._output import one_line, profile_table
from stockingsim.cli._parser import build_parser
from stockingsim.cli._pressure import cmd_classify, cmd_demo, cmd_design, cmd_report, cmd_simulate
from stockingsim.cli._tables import cmd_agreement, cmd_batch, cmd_calibrate

__all__ = [
    "DEFAULT_FABRIC",
    "DEFAULT_STANDARD",
    "DEFAULT_TARGET",
    "LANDMARKS",
    "METHODS",
    "PROG",
    "STYLES",
    "UsageError",
    "build_parser",
    "check_names",
    "cmd_agreement",
    "cmd_app",
    "cmd_batch",
    "cmd_calibrate",
    "cmd_classify",
    "cmd_demo",
    "cmd_design",
    "cmd_fabric",
    "cmd_fit",
    "cmd_report",
    "cmd_simulate",
    "main",
    "profile_table",
]

#: errors that mean the command line is wrong (exit 2), whichever subcommand finds them
_USAGE_ERRORS = (UsageError, errors.BatchArgumentError)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``stockingsim: warning: ...`` on stderr for the package's warnings.

    Others are shown as Python shows them. The user of the command sees what to do, not a
    source line.
    """
    if not issubclass(category, errors.StockingSimWarning):
        _PYTHON_SHOWWARNING(message, category, filename, lineno, file, line)
        return
    print(f"{PROG}: warning: {message}", file=sys.stderr if file is None else file)


_PYTHON_SHOWWARNING = warnings.showwarning


def _fail(args, exc: BaseException, bug: bool = False) -> None:
    """One line on stderr for a failed command; the traceback instead with ``--debug``."""
    if args.debug:
        raise exc
    if bug:
        print(
            f"{PROG} {args.command}: internal error: {type(exc).__name__}: {one_line(exc)} "
            "(rerun with --debug for the traceback and please report it)",
            file=sys.stderr,
        )
    else:
        print(f"{PROG} {args.command}: error: {one_line(exc)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``stockingsim`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 done, 1 the work failed, 2 the command line is wrong, 130 interrupted.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        check_names(args)
        with warnings.catch_warnings():
            if not getattr(args, "debug", False):  # one line each, as the errors
                warnings.showwarning = _show_warning
            return int(args.func(args) or 0)
    except _USAGE_ERRORS as exc:
        _fail(args, exc)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (errors.StockingSimError, OSError) as exc:
        _fail(args, exc)
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug: still one line unless --debug
        _fail(args, exc, bug=True)
        return 1
