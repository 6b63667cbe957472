"""The `ithaca` command line: readable output by default, `--json` for programs.

Exit status: 0 done (a program that needs an override is still 0, and says so);
1 a program check came back blocked; 2 bad input or an invalid library, always one line
on stderr and never a traceback; 70 an internal error (set ITHACA_DEBUG=1 to see it).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from ithaca import __version__
from ithaca.cli import render
from ithaca.cli.calc import add_calc_commands
from ithaca.cli.check import add_check_commands
from ithaca.cli.export import add_export_commands
from ithaca.cli.library import add_library_commands
from ithaca.cli.web import add_web_commands
from ithaca.clinical.errors import ClinicalError
from ithaca.datafiles import CLINIC_LIBRARY_ENV, load_catalogue

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line naming the command's --help."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"ithaca: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> Parser:
    parser = Parser(prog="ithaca", description="ithaca: intrathecal drug delivery therapy support.")
    parser.add_argument("--version", action="version", version=f"ithaca {__version__}")
    parser.add_argument(
        "--library",
        metavar="FILE",
        help=f"a clinic library file laid over the base library (or set {CLINIC_LIBRARY_ENV})",
    )
    parser.add_argument("--json", action="store_true", help="write JSON instead of text")
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=Parser
    )
    add_calc_commands(subparsers)
    add_check_commands(subparsers)
    add_library_commands(subparsers)
    add_web_commands(subparsers)
    add_export_commands(subparsers)
    _accept_json_anywhere(parser)
    return parser


def _accept_json_anywhere(parser: argparse.ArgumentParser) -> None:
    """Let --json and --library follow the subcommand too (`ithaca calc ome ... --json`)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if not any("--json" in a.option_strings for a in sub._actions):
                    sub.add_argument(
                        "--json", action="store_true", default=argparse.SUPPRESS, help="write JSON"
                    )
                    sub.add_argument(
                        "--library",
                        metavar="FILE",
                        default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS,
                    )
                _accept_json_anywhere(sub)


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """argparse takes '-1mL' for an option; join it to its option so the clinical reader
    can say why a negative volume is refused instead of 'expected one argument'."""
    joined: list[str] = []
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token.startswith("--") and "=" not in token and re.match(r"^-[0-9.]", following):
            joined.append(f"{token}={following}")
            i += 2
            continue
        joined.append(token)
        i += 1
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    ns = parser.parse_args(_join_negative_values(sys.argv[1:] if argv is None else argv))
    try:
        catalogue = load_catalogue(ns.library) if getattr(ns, "needs_catalogue", True) else None
        document, lines, code = ns.run(ns, catalogue)
    except ClinicalError as exc:
        sys.stderr.write(f"ithaca: error: {exc}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # never a traceback at the bedside; the message says what broke
        if os.environ.get("ITHACA_DEBUG"):
            raise
        sys.stderr.write(
            f"ithaca: internal error: {type(exc).__name__}: {exc} (please report this)\n"
        )
        return EXIT_INTERNAL
    _write(document, lines, ns.json)
    return int(code)


def _write(document: dict[str, Any], lines: list[str], as_json: bool) -> None:
    sys.stdout.write((render.dump(document) if as_json else "\n".join(lines)) + "\n")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
