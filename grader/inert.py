"""Text that comes from a submission, made inert for the one place where it appears.

A submission controls more strings than it seems: exception types and messages, file names in a
syntax error, folder and entry names in an archive, the repr of whatever its code returns. Each
function below takes such a string and returns it safe to put in one context, and only that one:

    terminal(text)         a line printed to the instructor's terminal: no escape sequences
    markdown(text)         a run of text inside a Markdown line (feedback.md): no markup, no HTML
    markdown_block(text)   a fenced block of Markdown: literal, whatever backticks it holds
    html(text)             text inside an HTML element or a quoted attribute (report.html)
    html_block(text)       several lines inside an HTML <pre> (feedback.html)
    plain(text)            multi-line plain text (Gradescope's test output): no control characters
    csv_cell(value)        a spreadsheet cell: one line, never a formula

Every function also turns characters that cannot be shown (control characters, the bidirectional
overrides that reorder what a reader sees, lone surrogates from undecodable file names) into
visible escapes such as \\x1b, so nothing is hidden and nothing acts.
"""

from __future__ import annotations

import html as _html
import re

# C0 and C1 controls, DEL, zero-width and bidirectional formatting characters, lone surrogates
_HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
# What can start markup anywhere in a line; an underscore only at a word's edge (snake_case stays readable)
_MARKDOWN = re.compile(r"([\\`*\[\]<>#|~&$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_LINE_START = re.compile(r"^(\s*(?:\d+)?)([-+=.)])")  # what starts a list or a heading at a line's start


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _show(text: str, keep: str = "") -> str:
    """Every hidden character as a visible escape, except those in keep."""
    return _HIDDEN.sub(lambda m: m.group() if m.group() in keep else _visible(m), text)


def _cut(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def terminal(value: object, limit: int | None = None) -> str:
    """One line for a terminal: escape sequences, carriage returns and newlines become visible text."""
    return _cut(_show(str(value)), limit)


def terminal_lines(value: object) -> str:
    """Several lines for a terminal (a traceback): only newlines survive."""
    return _show(str(value), keep="\n")


def plain(value: object) -> str:
    """Multi-line plain text (newlines and tabs kept), nothing hidden."""
    return _show(str(value), keep="\n\t")


def markdown(value: object, limit: int | None = None) -> str:
    """A run of text inside a Markdown line: one line, every character that could start markup
    (emphasis, links, images, headings, tables, HTML, autolinks) backslash-escaped."""
    text = _MARKDOWN.sub(r"\\\1", _cut(_show(str(value)), limit))
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return text.replace("://", ":\\/\\/").replace("www.", "www\\.")  # no autolinks either


def markdown_block(value: object, info: str = "text") -> str:
    """A fenced code block holding text literally: the fence is longer than any run of backticks in it."""
    text = plain(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def html(value: object) -> str:
    """Text inside an HTML element or a double- or single-quoted attribute."""
    return _html.escape(_show(str(value)), quote=True)


def html_block(value: object) -> str:
    """Several lines inside an HTML <pre>: escaped, newlines and tabs kept, nothing hidden."""
    return _html.escape(plain(value), quote=True)


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one line, and never read as a formula."""
    text = re.sub(r"[\r\n\t]+", " ", str(value))
    text = _show(text)
    if text[:1] in ("=", "+", "-", "@", "|", "%"):
        text = "'" + text
    return text
