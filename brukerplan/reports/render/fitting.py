"""Fitting a table's text into its columns: shared by the PDF and the slides.

A header never runs into its neighbour and a number is never cut or broken over two
lines: every column is at least as wide as its longest word (or syllables, where the
PDF hyphenates) and its widest number. How wide a text is comes from the advance widths
of DejaVu Sans and DejaVu Sans Bold (the PDF's font, report.css), listed here for the
characters a report prints; on a slide they are an upper bound (Calibri, its stand-in
Carlito and Arial are narrower; DejaVu Sans is what a computer without them shows).

From them: the width each column needs at least and would like (a header on at most
three lines, a row label on one), a table's column widths in a given room (`fit`), its
long headers shortened with a legend (`with_legend`), and the parts of a table too wide
for any room (`split`). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from brukerplan.reports.render.common import Cell, DisplayRow, DisplayTable


def _by_width(groups: dict[int, str]) -> dict[str, int]:
    return {char: width for width, chars in groups.items() for char in chars}


# Advance widths in 1/1000 em (DejaVu Sans 2.37, from its hmtx table).
_REGULAR = _by_width(
    {
        275: "'",
        278: "ijlìíîï",
        295: "IJÌÍÎÏ",
        318: " ,.\xa0·‘’",
        337: "/:;\\|¦",
        352: "f",
        361: "-\xad‐",
        390: "()[]",
        392: "t",
        401: "!¡²³¹⁰⁴⁵⁶⁷⁸⁹",
        411: "r",
        460: '"',
        471: "ªº",
        500: "*_`§¨¯°´¸–",
        518: "“”",
        521: "s",
        525: "z",
        531: "?¿",
        550: "cç",
        557: "L",
        575: "F",
        579: "k",
        590: "•",
        592: "vxyýÿ",
        603: "P",
        605: "Þ",
        611: "TYÝ",
        612: "o«»ðòóôõöø",
        613: "aàáâãäå",
        615: "eèéêë",
        630: "ß",
        632: "EÈÉÊË",
        634: "hnuñùúûü",
        635: "Sbdgpqþ",
        636: "$0123456789{}¢£¤¥µ¶€",
        656: "K",
        684: "AVÀÁÂÃÄÅ",
        685: "XZ",
        686: "B",
        695: "R",
        698: "CÇ",
        732: "UÙÚÛÜ",
        748: "NÑ",
        752: "H",
        770: "D",
        775: "GÐ",
        780: "&",
        787: "OQÒÓÔÕÖØ",
        818: "w",
        838: "#+<=>^~¬±×÷≥≤−",
        863: "M",
        950: "%",
        969: "¼½¾",
        974: "mÆ",
        982: "æ",
        989: "W",
        1000: "@©®—…",
        1342: "‰",
    }
)
_BOLD = _by_width(
    {
        306: "'",
        343: "ijlìíîï",
        348: " \xa0",
        365: "/\\|¦",
        372: "IJÌÍÎÏ",
        380: ",.·‘’",
        400: ":;",
        415: "-\xad‐",
        435: "f",
        438: "²³¹⁰⁴⁵⁶⁷⁸⁹",
        456: "!¡",
        457: "()[]",
        478: "t",
        493: "r",
        500: "_`§¨¯°´¸–",
        521: '"',
        523: "*",
        564: "ªº",
        580: "?¿",
        582: "z",
        593: "cç",
        595: "s",
        636: "¤¶",
        637: "L",
        639: "•",
        645: "x",
        646: "«»",
        652: "vyýÿ",
        657: "“”",
        665: "k",
        675: "aàáâãäå",
        678: "eèéêë",
        682: "T",
        683: "EFÈÉÊË",
        687: "oðòóôõöø",
        696: "$0123456789¢£¥€",
        712: "hnu{}ñùúûü",
        716: "bdgpqþ",
        719: "ß",
        720: "S",
        724: "YÝ",
        725: "Z",
        733: "P",
        734: "CÇ",
        736: "µ",
        738: "Þ",
        762: "B",
        770: "R",
        771: "X",
        774: "AVÀÁÂÃÄÅ",
        775: "K",
        812: "UÙÚÛÜ",
        821: "G",
        830: "D",
        837: "HNÑ",
        838: "#+<=>^~¬±Ð×÷≥≤−",
        850: "OQÒÓÔÕÖØ",
        872: "&",
        924: "w",
        995: "M",
        1000: "@©®—…",
        1002: "%",
        1035: "¼½¾",
        1042: "m",
        1048: "æ",
        1085: "Æ",
        1103: "W",
        1440: "‰",
    }
)
# A character not listed: as wide as the widest letter.
_UNKNOWN = 1000
HYPHEN = "\u2010"  # what WeasyPrint puts where it hyphenates (hyphenate-character)
# Where a line may break inside a word: after a hyphen ("LAR-legemidler").
_AFTER_HYPHEN = re.compile(r"(?<=[-\u2010])(?=\w)")


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """How wide `text` is set in `size` pt, in pt (on one line)."""
    widths = _BOLD if bold else _REGULAR
    return sum(widths.get(char, _UNKNOWN) for char in text) * size / 1000


def words(text: str) -> list[str]:
    """The pieces a line may break between: at spaces (never at a no-break space, which
    holds a number's digit groups and its unit together), and after a hyphen."""
    return [piece for word in text.split(" ") for piece in _AFTER_HYPHEN.split(word) if piece]


# A word's ways to be hyphenated: (first part, rest), as WeasyPrint tries them (pyphen).
Hyphenate = Callable[[str], Iterable[tuple[str, str]]]


def _word_least(word: str, size: float, bold: bool, hyphenate: Hyphenate | None) -> float:
    """The narrowest a word can be set: whole, or in two parts where it may be hyphenated."""
    whole = text_width(word, size, bold=bold)
    if hyphenate is None:
        return whole
    parts = [
        max(text_width(first + HYPHEN, size, bold=bold), text_width(rest, size, bold=bold))
        for first, rest in hyphenate(word)
    ]
    return min([whole, *parts])


def least_width(
    text: str, size: float, *, bold: bool = False, hyphenate: Hyphenate | None = None
) -> float:
    """The narrowest a text can be set without a word running out of its line."""
    return max((_word_least(w, size, bold, hyphenate) for w in words(text)), default=0.0)


def line_count(
    text: str, width: float, size: float, *, bold: bool = False, hyphenate: Hyphenate | None = None
) -> int:
    """How many lines `text` takes `width` pt wide: words fill a line in turn, as a browser
    sets them; a word wider than a line of its own is hyphenated (when it may be)."""
    space = text_width(" ", size, bold=bold)
    lines, used = 1, None  # used: the width taken on the current line (None: empty)
    for word in words(text):
        wide = text_width(word, size, bold=bold)
        if used is not None and used + space + wide <= width:
            used += space + wide
            continue
        if used is not None:
            lines += 1
        used = wide
        if wide > width and hyphenate is not None:
            fitting = [
                rest
                for first, rest in hyphenate(word)
                if text_width(first + HYPHEN, size, bold=bold) <= width
            ]
            if fitting:
                lines += 1
                used = text_width(fitting[0], size, bold=bold)
    return lines


# --- a table's columns --------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """How a table's text is set: font size (pt), a cell's left and right padding together
    (pt), the room a colour swatch takes before a coloured cell's text, and how words may
    be hyphenated (None: never, as on a slide)."""

    size: float
    padding: float
    swatch: float = 0.0
    hyphenate: Hyphenate | None = None


# A header should take no more lines than this (it may take more when the room is short).
WANT_LINES = 3


@dataclass(frozen=True)
class Fit:
    widths: tuple[float, ...]  # pt, per column
    header_lines: int  # the most lines a header cell takes
    label_lines: int  # the most lines a row label takes
    # the most lines a row label takes more than it would in the width it would like
    label_squeeze: int = 0


def positioned(cells: Iterable[Cell]) -> Iterator[tuple[int, Cell]]:
    """(first column, cell) of a row's cells."""
    position = 0
    for cell in cells:
        yield position, cell
        position += cell.colspan


def _rows(shown: DisplayTable) -> Iterator[tuple[bool, bool, tuple[Cell, ...]]]:
    """(is a header, is bold, cells) of every row."""
    for row in shown.header:
        yield True, True, row
    for row in shown.body:
        yield False, row.style in ("block", "total"), row.cells


def _wraps(header: bool, cell: Cell) -> bool:
    """A header or a label wraps; a number (or the mark of a missing one) never does."""
    return header or cell.kind == "label"


def _narrowest(text: str, least: float, lines: int, size: float, bold: bool) -> float:
    """About the narrowest width (pt, at least `least`) that sets `text` in `lines` lines
    of whole words."""
    most = text_width(text, size, bold=bold)
    if most <= least:
        return least
    low, high = least, most
    for _ in range(12):
        middle = (low + high) / 2
        taken = line_count(text, middle, size, bold=bold)
        low, high = (low, middle) if taken <= lines else (middle, high)
    return high


def _needs(shown: DisplayTable, setting: Setting, *, label_room: float):
    """Per column: the least width (pt) and the width it would like; the spanning cells'
    (first column, columns, least, liked)."""
    count = shown.width
    least, liked = [0.0] * count, [0.0] * count
    spans = []
    for header, bold, cells in _rows(shown):
        for position, cell in positioned(cells):
            if cell.colspan >= count and not header:
                continue  # a heading across the table has all its room
            extra = setting.padding + (setting.swatch if cell.colour else 0.0)
            size = setting.size
            if _wraps(header, cell):
                low = least_width(cell.text, size, bold=bold, hyphenate=setting.hyphenate)
                if header:  # in a few lines of whole words, if there is room for them
                    whole = least_width(cell.text, size, bold=bold)
                    want = _narrowest(cell.text, whole, WANT_LINES, size, bold)
                else:  # a row label on one line, if the label column has room
                    want = min(text_width(cell.text, size, bold=bold), label_room)
                low, want = low + extra, max(low, want) + extra
            else:
                low = want = text_width(cell.text, size, bold=bold) + extra
            if cell.colspan == 1:
                least[position] = max(least[position], low)
                liked[position] = max(liked[position], want)
            else:
                spans.append((position, cell.colspan, low, want))
    for start, columns, low, want in spans:
        for values, need in ((least, low), (liked, want)):
            short = need - sum(values[start : start + columns])
            if short > 0:
                for i in range(start, start + columns):
                    values[i] += short / columns
    liked = [max(a, b) for a, b in zip(least, liked, strict=True)]
    return least, liked


def least_widths(shown: DisplayTable, setting: Setting) -> list[float]:
    """The least width (pt) of every column: of its longest word and widest number."""
    return _needs(shown, setting, label_room=0.0)[0]


def _level(widths: list[float], columns: list[int], extra: float) -> None:
    """Share `extra` among `columns`, the narrowest first, until they are as wide (water
    filling): the number columns of a table look alike."""
    if not columns or extra <= 0:
        return
    ordered = sorted(columns, key=lambda i: widths[i])
    for k in range(len(ordered)):
        group = ordered[: k + 1]
        top = widths[ordered[k + 1]] if k + 1 < len(ordered) else None
        needed = None if top is None else sum(top - widths[i] for i in group)
        if needed is None or needed >= extra:
            level = (sum(widths[i] for i in group) + extra) / len(group)
            for i in group:
                widths[i] = level
            return


def fit(shown: DisplayTable, setting: Setting, room: float, *, label_share: float) -> Fit | None:
    """The column widths (pt) of a table set as `setting` says in `room` pt, or None when
    its words and numbers do not fit. Every column gets its least width; then the row
    labels what they would like, up to `label_share` of the room; then the other columns
    what they would like (a header in `WANT_LINES` lines of whole words), and the rest of
    the room, the narrowest first."""
    count = shown.width
    if not count:
        return None
    least, liked = _needs(shown, setting, label_room=label_share * room)
    spare = room - sum(least)
    if spare < 0:
        return None
    widths = list(least)
    # The row labels first, up to what they would like; then the other columns alike.
    more = min(liked[0] - least[0], spare)
    widths[0] += more
    spare -= more
    others = list(range(1, count))
    wanted = sum(liked[i] - least[i] for i in others)
    if wanted > 0:
        share = min(1.0, spare / wanted)
        for i in others:
            widths[i] += share * (liked[i] - least[i])
        spare -= share * wanted
    _level(widths, others or [0], spare)
    header_lines = label_lines = 1
    squeeze = 0
    for header, bold, cells in _rows(shown):
        for position, cell in positioned(cells):
            if not _wraps(header, cell) or (cell.colspan >= count and not header):
                continue
            extra = setting.padding + (setting.swatch if cell.colour else 0.0)
            width = sum(widths[position : position + cell.colspan]) - extra
            lines = line_count(
                cell.text, width, setting.size, bold=bold, hyphenate=setting.hyphenate
            )
            if header:
                header_lines = max(header_lines, lines)
            else:
                label_lines = max(label_lines, lines)
                if position == 0 and cell.colspan == 1:
                    liked_lines = line_count(
                        cell.text,
                        liked[0] - extra,
                        setting.size,
                        bold=bold,
                        hyphenate=setting.hyphenate,
                    )
                    squeeze = max(squeeze, lines - liked_lines)
    return Fit(tuple(widths), header_lines, label_lines, squeeze)


# --- long headers: shortened, with a legend under the table ---------------------------------

# A header longer than this, with a short form (the words before its first comma or
# parenthesis), gets the short form and a mark, and the whole label goes in a note.
LONG_HEADER = 28
MARKS = "¹²³⁴⁵⁶⁷⁸⁹"
# What stays after the short form: the table's own additions (a percentage, the N).
_SUFFIX = re.compile(r" \((?:%|N\u00a0=[^)]*)\)$")


def _mark(number: int) -> str:
    return "".join(MARKS[int(d) - 1] if d != "0" else "⁰" for d in str(number))


def short_header(text: str) -> tuple[str, str] | None:
    """(short form, the label it stands for) of a long header, None when it has none."""
    found = _SUFFIX.search(text)
    base = text[: found.start()] if found else text
    if len(base) <= LONG_HEADER:
        return None
    cuts = [i for i in (base.find(", "), base.find(" (")) if i >= 3]
    if not cuts:
        return None
    return base[: min(cuts)], base


def with_legend(shown: DisplayTable) -> DisplayTable:
    """The table with its long headers shortened (`short_header`) and marked, the whole
    labels in notes above its other notes; the table itself when none is long."""
    legend: dict[str, str] = {}  # whole label -> mark
    rows = []
    for row in shown.header:
        cells = []
        for cell in row:
            short = short_header(cell.text) if cell.text else None
            if short is None:
                cells.append(cell)
                continue
            form, whole = short
            mark = legend.setdefault(whole, _mark(len(legend) + 1))
            cells.append(replace(cell, text=form + mark + cell.text[len(whole) :]))
        rows.append(tuple(cells))
    if not legend:
        return shown
    notes = tuple(f"{mark} {whole}" for whole, mark in legend.items())
    return replace(shown, header=tuple(rows), notes=notes + shown.notes)


# --- a table too wide for any room: in parts, each with the row labels ---------------------


def without_columns(cells: Iterable[Cell], dropped: set[int]) -> tuple[Cell, ...]:
    """The row without the columns `dropped`: a spanning cell loses those it spans, and
    goes when it spans nothing else."""
    out = []
    for position, cell in positioned(cells):
        left = sum(1 for p in range(position, position + cell.colspan) if p not in dropped)
        if left:
            out.append(cell if left == cell.colspan else replace(cell, colspan=left))
    return tuple(out)


def _units(shown: DisplayTable, lead: int) -> list[list[int]]:
    """The columns after the `lead` ones in the groups a split keeps together: those under
    one cell of the top header row, or each column on its own."""
    if len(shown.header) < 2:
        return [[i] for i in range(lead, shown.width)]
    units = []
    for position, cell in positioned(shown.header[0]):
        columns = [i for i in range(position, position + cell.colspan) if i >= lead]
        if columns:
            units.append(columns)
    return units


def split(shown: DisplayTable, parts: int) -> list[DisplayTable] | None:
    """The table in `parts` tables of about as many columns, each with the row labels (and
    the N columns) first; a header over several columns stays whole. None when it has
    fewer groups of columns than parts."""
    lead = 1 + shown.n_columns
    units = _units(shown, lead)
    if len(units) < parts:
        return None
    total = sum(len(u) for u in units)
    groups: list[list[int]] = [[] for _ in range(parts)]
    done = 0
    for unit in units:
        # The part a group goes to: by how many columns come before its middle.
        part = min(parts - 1, int((done + len(unit) / 2) * parts / total))
        groups[part] += unit
        done += len(unit)
    if any(not g for g in groups):
        return None
    out = []
    for group in groups:
        dropped = set(range(lead, shown.width)) - set(group)
        header = tuple(without_columns(row, dropped) for row in shown.header)
        body = tuple(
            DisplayRow(without_columns(row.cells, dropped), row.style) for row in shown.body
        )
        out.append(replace(shown, header=header, body=body))
    return out


def parts_of(
    shown: DisplayTable, ways: Sequence[object], fits: Callable[[DisplayTable, object], object]
) -> tuple[object, list[tuple[DisplayTable, object]]] | None:
    """The fewest parts (2, 3, …) of a table that each fit one way, the first of `ways`
    that fits them all (`fits(part, way)` gives a layout or None): (the way, [(part,
    layout), …]); None when no split fits."""
    for count in range(2, shown.width):
        parts = split(shown, count)
        if parts is None:
            break
        for way in ways:
            layouts = [fits(part, way) for part in parts]
            if all(layout is not None for layout in layouts):
                return way, list(zip(parts, layouts, strict=True))
    return None
