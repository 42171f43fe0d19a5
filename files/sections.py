"""Generated sections of a markdown file: the README's tables, rewritten by the scripts that measure them."""

from __future__ import annotations

import re
from pathlib import Path

from files.atomic import atomic_path


def replace_section(path: Path, name: str, text: str) -> str:
    """``path``'s text with what lies between ``<!-- name:begin -->`` and ``<!-- name:end -->`` replaced.

    Raises:
        ValueError: the file lacks the two markers.
    """
    body = Path(path).read_text()
    pattern = re.compile(rf"(<!-- {name}:begin -->\n).*?(<!-- {name}:end -->)", re.S)
    if not pattern.search(body):
        raise ValueError(f"{path}: no <!-- {name}:begin --> ... <!-- {name}:end --> markers; add them where "
                         "the table belongs")
    return pattern.sub(lambda m: m.group(1) + text.rstrip() + "\n" + m.group(2), body, count=1)


def write_section(path: Path, name: str, text: str) -> None:
    """Replace the ``name`` section of ``path`` (:func:`replace_section`) and write the file atomically."""
    updated = replace_section(path, name, text)
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(updated)
