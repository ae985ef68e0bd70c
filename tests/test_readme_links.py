"""The README's links to its own sections lead somewhere.

The README is long and its sections move; a link to a heading that was renamed or moved
out (``[Features](#features)`` pointed nowhere until session 45) fails here. Anchors are
made the way GitHub makes them: the heading's text in lower case, without punctuation other
than hyphens and underscores, spaces turned into hyphens, ``-1``, ``-2``... for repeats.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of ``markdown`` (code blocks left out)."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    seen: dict[str, int] = {}
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def internal_links(markdown: str) -> list[str]:
    """The ``#anchor`` targets of the links in ``markdown`` (code blocks left out)."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    return re.findall(r"\]\(#([^)\s]+)\)", text)


def test_anchor_rule_on_known_headings() -> None:
    md = "# A b\n## Where the open issues' targets stand\n### `x` (y)\n## A b\n"
    assert github_anchors(md) == {"a-b", "where-the-open-issues-targets-stand", "x-y", "a-b-1"}
    assert internal_links("see [t](#a-b) and [u](#nowhere)\n```\n[v](#code)\n```") == [
        "a-b", "nowhere"]


def test_every_internal_link_of_the_readme_has_its_heading() -> None:
    text = README.read_text(encoding="utf-8")
    links = internal_links(text)
    assert len(links) > 50, "the README's section links were not found: is the regex stale?"
    missing = sorted(set(links) - github_anchors(text))
    assert not missing, (
        f"README links to sections that do not exist: {missing}; fix the link or the heading"
    )
