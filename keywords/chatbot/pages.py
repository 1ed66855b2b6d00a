"""Reading knowledge-base pages: Markdown with front matter, and HTML, split into passages.

A Markdown page starts with YAML front matter giving ``title``, ``url`` and ``updated``
(an ISO date). An HTML page gives them as ``<title>`` (or the first ``<h1>``),
``<link rel="canonical">`` (or ``<meta name="url">``) and ``<meta name="updated">`` (or
the first ``<time datetime>``). Each page is split into passages at its headings: the
text under one heading is one passage, as a person would quote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import yaml

from .errors import KnowledgeBaseError

MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
REQUIRED = ("title", "url", "updated")


@dataclass(frozen=True)
class Passage:
    page: str  # the page's file name without extension
    heading: str  # "" for the text before the first sub-heading
    text: str


@dataclass(frozen=True)
class Page:
    name: str
    title: str
    url: str
    updated: str  # ISO date
    path: Path
    passages: tuple[Passage, ...] = field(default_factory=tuple)


def page_files(folder: Path) -> list[Path]:
    """The pages in a folder (not its sub-folders), by name; hidden files are skipped."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in MARKDOWN_SUFFIXES | HTML_SUFFIXES)


def read_page(path: Path) -> Page:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeBaseError(f"{path}: not UTF-8 text (byte {exc.start}); save the page as UTF-8.",
                                 str(path)) from None
    if path.suffix.lower() in HTML_SUFFIXES:
        meta, sections = _read_html(text)
    else:
        meta, body = _front_matter(path, text)
        sections = _markdown_sections(body)
    missing = [key for key in REQUIRED if not meta.get(key)]
    if missing:
        where = "front matter" if path.suffix.lower() in MARKDOWN_SUFFIXES else "head"
        raise KnowledgeBaseError(f"{path}: the {where} has no {', '.join(missing)}; every page needs "
                                 f"title, url and updated (YYYY-MM-DD).", str(path))
    updated = _iso_date(path, meta["updated"])
    name = path.stem
    passages = tuple(Passage(name, heading, body) for heading, body in sections if body.strip())
    return Page(name, str(meta["title"]).strip(), str(meta["url"]).strip(), updated, path, passages)


def _iso_date(path: Path, value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise KnowledgeBaseError(f"{path}: updated {value!r} is not a date; write it as YYYY-MM-DD.",
                                 str(path)) from None


def _front_matter(path: Path, text: str) -> tuple[dict, str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise KnowledgeBaseError(f"{path}: no front matter; start the page with a '---' line, then "
                                 f"title, url and updated, then another '---' line.", str(path))
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "..."))
    except StopIteration:
        raise KnowledgeBaseError(f"{path}: the front matter is not closed; add a '---' line after it.",
                                 str(path)) from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 2})" if mark else ""
        raise KnowledgeBaseError(f"{path}: the front matter is not valid YAML{at}: "
                                 f"{getattr(exc, 'problem', exc)}.", str(path)) from None
    if not isinstance(meta, dict):
        raise KnowledgeBaseError(f"{path}: the front matter must be 'key: value' lines "
                                 f"(title, url, updated).", str(path))
    return meta, "\n".join(lines[end + 1:])


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _markdown_sections(body: str) -> list[tuple[str, str]]:
    """(heading, text) for each heading of level 2 or more; the H1 and its text are the intro."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        match = _HEADING.match(line)
        if match and len(match.group(1)) >= 2:
            sections.append((match.group(2), []))
        elif match:
            continue  # the page title again
        else:
            sections[-1][1].append(_plain(line))
    return [(heading, _join(lines)) for heading, lines in sections]


def _plain(line: str) -> str:
    line = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", line)  # links and images keep their text
    line = re.sub(r"(\*\*|__|`)", "", line)
    return line


def _join(lines: list[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


class _HTMLPage(HTMLParser):
    SKIP = {"script", "style", "nav", "footer", "header", "noscript", "template"}
    BLOCKS = {"p", "li", "div", "section", "article", "br", "tr", "dd", "dt", "table", "ul", "ol"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.sections: list[tuple[str, list[str]]] = [("", [])]
        self._skip = 0
        self._in: str | None = None  # "title", "h1" or "h2" while inside one
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "meta" and a.get("name", "").lower() in ("url", "updated", "title"):
            self.meta.setdefault(a["name"].lower(), a.get("content", ""))
        elif tag == "link" and "canonical" in a.get("rel", "").lower().split():
            self.meta.setdefault("url", a.get("href", ""))
        elif tag == "time" and a.get("datetime"):
            self.meta.setdefault("updated", a["datetime"])
        elif tag == "title" or re.fullmatch(r"h[1-6]", tag):
            self._in, self._buf = tag, []
        elif tag in self.BLOCKS:
            self.sections[-1][1].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == self._in:
            text = " ".join("".join(self._buf).split())
            if tag == "title":
                self.meta.setdefault("title", text)
            elif tag == "h1":
                self.meta.setdefault("h1", text)
            else:
                self.sections.append((text, []))
            self._in = None
        elif tag in self.BLOCKS:
            self.sections[-1][1].append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in:
            self._buf.append(data)
        else:
            self.sections[-1][1].append(data)


def _read_html(text: str) -> tuple[dict, list[tuple[str, str]]]:
    parser = _HTMLPage()
    parser.feed(text)
    parser.close()
    meta = dict(parser.meta)
    if not meta.get("title") and meta.get("h1"):
        meta["title"] = meta["h1"]
    sections = []
    for heading, parts in parser.sections:
        lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
        sections.append((heading, "\n".join(line for line in lines if line)))
    return meta, sections
