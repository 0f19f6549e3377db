"""Write docs/config.md, the reference of every config key, from the config schema itself.

    python scripts/config_reference.py            # rewrite docs/config.md
    python scripts/config_reference.py --check    # exit 1 if docs/config.md is out of date

Each table of a config (``[drug]``, ``[network]``, ...; ``[protocol]`` once per protocol) becomes a
section: key, default, allowed values, and the comment written above the key in the source (its
meaning and source). The schema is the pydantic models of ``sim/config.py`` and of each protocol's
``table`` (``sim/protocols/``), so the reference cannot drift from what ``milasim validate`` checks:
a test runs ``--check``.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
import textwrap
from pathlib import Path
from typing import Any

from sim.config import Config, Section
from sim.protocols import all_protocols

OUT = Path(__file__).resolve().parents[1] / "docs" / "config.md"


def _comments(cls: type) -> dict[str, str]:
    """The ``#`` comment block directly above each field of ``cls`` (and inherited ones)."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, Section)) or klass is Section:
            continue
        lines, _ = inspect.getsourcelines(klass)
        source = textwrap.dedent("".join(lines))
        tree = ast.parse(source)
        body = tree.body[0].body  # type: ignore[attr-defined]
        src_lines = source.splitlines()
        for node in body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                text, i = [], node.lineno - 2
                while i >= 0 and src_lines[i].strip().startswith("#"):
                    text.insert(0, src_lines[i].strip().lstrip("#").strip())
                    i -= 1
                if text:
                    found[node.target.id] = " ".join(text)
                elif node.target.id in found:
                    pass
    return found


def _allowed(field: Any) -> str:
    parts = []
    for meta in field.metadata:
        for key, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(meta, key, None)
            if value is not None:
                parts.append(f"{sym} {value:g}" if isinstance(value, float) else f"{sym} {value}")
    ann = field.annotation
    args = getattr(ann, "__args__", ())
    if getattr(ann, "__origin__", None) is not None and "Literal" in str(ann):
        parts.append(" / ".join(repr(a) for a in args))
    return ", ".join(parts)


def _default(field: Any) -> str:
    value = field.default
    if isinstance(value, Section) or value is None and field.default_factory is not None:
        return ""
    return "none" if value is None else repr(value) if isinstance(value, str) else f"{value}"


def section(title: str, model: type[Section], doc: str | None = None) -> list[str]:
    comments = _comments(model)
    out = [f"## `{title}`", ""]
    text = inspect.cleandoc(doc or model.__doc__ or "")
    if text:
        out += [" ".join(text.split()), ""]
    out += ["| key | default | allowed | meaning and source |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        meaning = comments.get(name, "").replace("|", "/")
        out.append(f"| `{name}` | {_default(field)} | {_allowed(field)} | {meaning} |")
    return [*out, ""]


def render() -> str:
    lines = [
        "# Config reference",
        "",
        "Every key of a milasim config, by table, with its default. Generated from the schema by",
        "`python scripts/config_reference.py` (do not edit by hand; a test checks it is current).",
        "`milasim validate CONFIG --print` shows a config fully resolved. Units are in the key names.",
        "",
    ]
    for name, field in Config.model_fields.items():
        if name == "protocol":
            for proto in all_protocols():
                lines += section(f"[protocol] of {proto.name}", proto.table)
            continue
        model = field.annotation
        if isinstance(model, type) and issubclass(model, Section):
            lines += section(f"[{name}]", model)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/config.md is stale")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is out of date: run python scripts/config_reference.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
