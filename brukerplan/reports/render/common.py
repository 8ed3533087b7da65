"""What every rendering shares: colours, number formats, table layout and figure data.

Pure: no Django settings, no I/O. Everything here reads the report document
(report-format.md) and never computes a number it does not carry: a figure is
the document's cells placed on categories and series, a formatted value is the
document's value rounded for display only, and a suppressed cell (`null`) stays
missing – it is shown as «–» and left out of charts, never drawn as 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from brukerplan.instrument import definition

# --- colours: defined once, used by charts, slides and sheets --------------

# Traffic-light colours of the levekårsområder and the index groups. Chosen so
# that white text is readable on green, red and blue (contrast ≥ 4.5:1) and
# black text on yellow.
COLOURS: dict[str, str] = {
    "gronn": "#2e7d32",
    "gul": "#f2c200",
    "rod": "#c62828",
    "blalys": "#1565c0",
}
COLOUR_LABELS: dict[str, str] = {"gronn": "Grønn", "gul": "Gul", "rod": "Rød", "blalys": "Blålys"}
# Text colour to put on a segment of each colour.
TEXT_ON: dict[str, str] = {"gronn": "#ffffff", "gul": "#000000", "rod": "#ffffff"}
TEXT_ON["blalys"] = "#ffffff"

# The two main groups: kept apart from the traffic-light colours.
GROUP_COLOURS: dict[str, str] = {"rus": "#5b4b8a", "psykisk": "#d9822b", "alle": "#616161"}
GROUP_LABELS: dict[str, str] = {
    "rus": "Rusproblemer",
    "psykisk": "Kun psykiske problemer",
    "alle": "Alle",
}
TOTAL_LABELS: dict[str, str] = {
    "rus": "Alle med rusproblemer",
    "psykisk": "Alle med kun psykiske problemer",
    "alle": "Alle kartlagte",
}
# Further series (columns of a category table), in order.
SERIES_COLOURS: tuple[str, ...] = ("#37474f", "#8d6e63", "#00838f", "#9e9d24", "#6d4c41")
MAIN_GROUPS: tuple[str, ...] = ("rus", "psykisk")
# The group columns of the tables by main group; "alle" is a thin document's persons
# together (`brukerplan.reports.thin`).
GROUP_COLUMNS: tuple[str, ...] = (*MAIN_GROUPS, "alle")

# --- suppressed cells ------------------------------------------------------

# Every null of a table is one of four things (report-format.md, "Small numbers"): a
# primary suppression (computed from 1 to threshold - 1 persons), a secondary one (a
# larger number hidden so that a small one cannot be worked out), not applicable (the
# question is not asked of the group), or no value (a share of nobody, a figure that is
# not known). The table's `suppressed` names the first two; each has its mark and note.
PRIMARY, SECONDARY = "primary", "secondary"
DASH = "–"  # primary
SECONDARY_MARK = "–*"
NO_VALUE = "."
NOT_APPLICABLE = "i.a."
NOT_APPLICABLE_NOTE = "i.a.: ikke aktuelt – spørsmålet stilles bare om mottakere med rusproblemer"
SECONDARY_NOTE = "Skjult for å beskytte et lite tall et annet sted"
NO_VALUE_NOTE = "Ingen verdi: ingen personer å regne av, eller tallet mangler"
EMPTY_FIGURE_TEXT = "Alle tallene i figuren er skjult fordi gruppene er for små."
NO_NUMBERS_TEXT = "Figuren har ingen tall: gruppene har ingen personer."
# The display states of a number's cell (`Cell.kind`): shown, or why it is not.
SHOWN, HIDDEN, HIDDEN_SECONDARY, NA, NONE = "num", "hidden", "secondary", "na", "none"
_STATES = {PRIMARY: HIDDEN, SECONDARY: HIDDEN_SECONDARY}
_MARKS = {HIDDEN: DASH, HIDDEN_SECONDARY: SECONDARY_MARK, NA: NOT_APPLICABLE, NONE: NO_VALUE}

# The rule in words is the document's own: its "threshold" (report-format.md, "Small
# numbers"), never a number written here nor a setting (a rendering made under another
# threshold would state the wrong rule).


def threshold_of(document: dict) -> int:
    """The small-number threshold the document was made under (its `"threshold"`)."""
    threshold = document.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"the document carries no small-number threshold: {threshold!r}")
    return threshold


def hidden_note(threshold: int) -> str:
    """What a dash (or an empty grey cell) of a primary suppression means."""
    return f"Skjult: færre enn {threshold} personer"


def hidden_counts_note(threshold: int) -> str:
    """The counts that are never shown (the slides' first footnote)."""
    if threshold <= 1:
        return "Ingen tall er skjult."
    if threshold == 2:
        return "Tallet 1 vises ikke."
    return f"Tall fra 1 til {threshold - 1} vises ikke."


def small_numbers_text(threshold: int) -> str:
    """The rule as the report's front matter states it."""
    if threshold <= 1:
        return "Rapporten skjuler ingen små tall (terskelen for små tall er 1)."
    counts = "Antallet 1" if threshold == 2 else f"Antall fra 1 til {threshold - 1}"
    return (
        "Ingen tall i rapporten lar en leser lære noe om en gruppe på færre enn "
        f"{threshold} personer. {counts}, og andeler, gjennomsnitt og standardavvik regnet "
        f"av færre enn {threshold} personer, er skjult og vist som «{DASH}». Null vises. "
        f"Noen større tall er også skjult, vist som «{SECONDARY_MARK}», så et lite tall ikke "
        "kan regnes ut av tallene rundt det."
    )


# Cells that are null because the question is not asked of the group (the spec
# says so), not because they are suppressed.
_NOT_APPLICABLE_ROWS = {"nokkeltall": ("injiserer", "overdose:")}


def not_applicable(table_id: str, row_key: str, column_key: str) -> bool:
    column_key = base_column(column_key)
    prefixes = _NOT_APPLICABLE_ROWS.get(table_id, ())
    # "alle": a thin document's persons together (`brukerplan.reports.thin`).
    return column_key in ("psykisk", "alle") and any(
        row_key == p or (p.endswith(":") and row_key.startswith(p)) for p in prefixes
    )


def suppressed_of(table: dict) -> dict[str, dict[str, str]]:
    """The table's reasons for its suppressed cells (`"suppressed"`, report-format.md)."""
    suppressed = table.get("suppressed")
    if not isinstance(suppressed, dict):
        raise ValueError(f"the table {table.get('title')!r} carries no `suppressed`")
    return suppressed


def cell_state(table_id: str, table: dict, row: dict, column_key: str) -> str:
    """Whether a cell is shown, or why not: `SHOWN`, `HIDDEN` (primary),
    `HIDDEN_SECONDARY`, `NA` (not applicable) or `NONE` (no value)."""
    if row["values"].get(column_key) is not None:
        return SHOWN
    reason = suppressed_of(table).get(row["key"], {}).get(column_key)
    if reason is not None:
        if reason not in _STATES:
            raise ValueError(f"unknown reason {reason!r} for {row['key']}/{column_key}")
        return _STATES[reason]
    if not_applicable(table_id, row["key"], column_key):
        return NA
    return NONE


def state_note(state: str, threshold: int) -> str:
    """What a cell's mark means, in words (a tooltip, a comment); "" for a shown one."""
    return {
        HIDDEN: hidden_note(threshold),
        HIDDEN_SECONDARY: SECONDARY_NOTE,
        NA: NOT_APPLICABLE_NOTE,
        NONE: NO_VALUE_NOTE,
    }.get(state, "")


# --- comparisons ------------------------------------------------------------

# A compared column's key: "<column key>@<comparison name>" (see `compared_table`).
COMPARED = "@"


def base_column(column_key: str) -> str:
    """The document's column key of a (possibly compared) column."""
    return column_key.split(COMPARED, 1)[0]


def comparisons_of(document: dict, table_id: str) -> list[tuple[str, str, dict]]:
    """(name, label, table) of every comparison in the document that has this table."""
    out = []
    for name, comparison in (document.get("comparisons") or {}).items():
        table = (comparison.get("tables") or {}).get(table_id)
        if table and table.get("rows"):
            out.append((name, comparison.get("label") or name, table))
    return out


def compared_table(table_id: str, document: dict) -> dict | None:
    """The table with the comparisons' numbers beside the scope's own: for every column of
    the document's table, the scope's value and then each comparison's (county, nation,
    size class, as the document's `comparisons` has them). None without comparisons.

    Columns: "<key>" ("<label> – <scope>") and "<key>@<name>" ("<label> – <comparison>"),
    each with its kind and `section` (None: the scope's; else the comparison's name);
    rows: the document table's, a row missing in a comparison is null there (no value).
    `suppressed` holds the reasons of every section's table under the compared keys.
    """
    table = (document.get("tables") or {}).get(table_id)
    others = comparisons_of(document, table_id)
    if not table or not table.get("rows") or not others:
        return None
    own = scope_name(document)
    columns, rows = [], []
    for column in table["columns"]:
        base = {"base_key": column["key"], "base_label": column["label"]}
        kind = {"kind": column_kind(column)}
        columns.append(
            {
                "key": column["key"],
                "label": f"{column['label']} – {own}",
                **kind,
                **base,
                "scope": own,
                "section": None,
            }
        )
        for name, label, _ in others:
            key = f"{column['key']}{COMPARED}{name}"
            columns.append(
                {
                    "key": key,
                    "label": f"{column['label']} – {label}",
                    **kind,
                    **base,
                    "scope": label,
                    "section": name,
                }
            )
    by_name = {name: {r["key"]: r for r in other["rows"]} for name, _, other in others}
    suppressed: dict[str, dict[str, str]] = {
        row_key: dict(reasons) for row_key, reasons in suppressed_of(table).items()
    }
    for name, _, other in others:
        for row_key, reasons in suppressed_of(other).items():
            for key, reason in reasons.items():
                suppressed.setdefault(row_key, {})[f"{key}{COMPARED}{name}"] = reason
    for row in table["rows"]:
        values = {}
        for column in table["columns"]:
            values[column["key"]] = row["values"].get(column["key"])
            for name, _, _ in others:
                found = by_name[name].get(row["key"], {})
                if found.get("kind", row.get("kind")) != row.get("kind"):
                    raise ValueError(f"{table_id}/{row['key']}: of another kind in {name}")
                values[f"{column['key']}{COMPARED}{name}"] = (found.get("values") or {}).get(
                    column["key"]
                )
        rows.append({**row, "values": values})
    return {"title": table["title"], "columns": columns, "rows": rows, "suppressed": suppressed}


def section_of(document: dict, table_id: str, table: dict) -> dict:
    """The part of the document a table is of: the document itself, or the comparison
    section whose table it is (the dashboard shows a comparison's tables on their own).
    Its `kategorier` give the table's N."""
    if (document.get("tables") or {}).get(table_id) is table:
        return document
    sections = list((document.get("comparisons") or {}).values())
    for section in sections:
        if (section.get("tables") or {}).get(table_id) is table:
            return section
    for section in sections:
        if (section.get("tables") or {}).get(table_id) == table:
            return section
    return document


# --- number formats --------------------------------------------------------

# What a column's numbers are: the document says so (report-format.md, `kind`).
COUNT, PERCENT, MEAN, SD, RATE, INDEX = "count", "percent", "mean", "sd", "rate", "index"
KINDS = (COUNT, PERCENT, MEAN, SD, RATE, INDEX)


# The number format of a percentage's label in a chart (PowerPoint, Excel): whole, and
# «<1» for a share above 0 that would show as 0 (as `format_number`). A number format has
# room for two conditions only, so a share from 99.5 up to 100 is labelled 100 there
# (`format_number` says «>99»).
PERCENT_LABELS = '[=0]0;[<0.5]"<1";0'


def column_kind(column: dict) -> str:
    """A column's kind as the document gives it; ValueError when it gives none."""
    kind = column.get("kind")
    if kind not in KINDS:
        raise ValueError(f"column {column.get('key')!r} has no kind of report-format.md: {kind!r}")
    return kind


def cell_kind(table: dict, row: dict, column_key: str) -> str:
    """The kind of a cell: its row's when the row has one (a mean among shares), else its
    column's."""
    own = row.get("kind")
    if own is not None:
        if own not in KINDS:
            raise ValueError(f"row {row.get('key')!r} has a kind not of report-format.md: {own!r}")
        return own
    for column in table["columns"]:
        if column["key"] == column_key:
            return column_kind(column)
    raise KeyError(column_key)


def _rounded(value: float, decimals: int) -> Decimal:
    exponent = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(value))).quantize(exponent, rounding=ROUND_HALF_UP)


def _grouped(text: str) -> str:
    """Norwegian digit grouping: a no-break space every three digits."""
    sign = "-" if text.startswith("-") else ""
    digits = text.lstrip("-")
    whole, _, decimals = digits.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = "\u00a0".join(groups)
    return sign + out + ("," + decimals if decimals else "")


def format_number(value: float | int | None, kind: str, *, unit: bool = False) -> str:
    """A document value as a reader sees it; `None` is «–».

    count: an integer with grouping; percent: 0 decimals, a share above 0 that rounds
    to 0 is «<1» and one below 100 that rounds to 100 is «>99»; mean, sd, rate and index:
    1 decimal. `unit` adds « %» to
    percentages (and to nothing else).
    """
    if value is None:
        return DASH
    if kind not in KINDS:
        raise ValueError(f"not a kind of report-format.md: {kind!r}")
    if kind == COUNT:
        return _grouped(str(int(value)))
    if kind == PERCENT:
        rounded = _rounded(value, 0)
        if rounded == 0 and value > 0:
            text = "<1"  # a share above 0 is never printed as 0
        elif rounded == 100 and value < 100:
            text = ">99"  # nor one below 100 as the whole
        else:
            text = _grouped(str(rounded))
        return text + "\u00a0%" if unit else text
    return _grouped(str(_rounded(value, 1)))


def format_cell(
    table_id: str, table: dict, row: dict, column_key: str, *, unit: bool = True
) -> str:
    """A cell of a document table as a reader sees it: its number formatted by its kind,
    or the mark of why it has none (`cell_state`)."""
    state = cell_state(table_id, table, row, column_key)
    if state != SHOWN:
        return _MARKS[state]
    return format_number(row["values"][column_key], cell_kind(table, row, column_key), unit=unit)


# --- the document ----------------------------------------------------------


def instrument_for(document: dict):
    try:
        return definition.load(str(document.get("instrument_version")))
    except (FileNotFoundError, OSError):
        return definition.current()


def main_group_categories(instrument) -> dict[str, tuple[str, ...]]:
    return dict(instrument.main_groups)


def scope_name(document: dict) -> str:
    return (document.get("scope") or {}).get("name") or "Ukjent"


SCOPE_KINDS = {
    "national": "Nasjonal rapport",
    "county": "Fylkesrapport",
    "region": "Rapport for helseregionen",
    "municipality": "Kommunerapport",
    "pool": "Rapport for små kommuner samlet",
}


def scope_kind(document: dict) -> str:
    """What kind of report the document is, as the reader says it."""
    return SCOPE_KINDS.get((document.get("scope") or {}).get("type"), "Rapport")


def scope_place(document: dict) -> str:
    """Where the persons of the document were mapped, after «i»: a pool is several places."""
    name = scope_name(document)
    if (document.get("scope") or {}).get("type") == "pool":
        return f"kommunene i «{name}»"
    return name


def listed(items: Iterable[str]) -> str:
    """«a», «a og b», «a, b og c»."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def _numbered(members: list[str]) -> str:
    """The municipalities as the document has them: by number (it carries no names)."""
    word = "Kommunen" if len(members) == 1 else "Kommunene"
    return f"{word} med nummer {listed(members)}"


def pool_text(document: dict) -> str:
    """What a rendering says of pooled municipalities (report-format.md, "Small
    municipalities are pooled"): of a pool, which municipalities it is; of a county with
    a pool (its `"pool"`), that its small municipalities are pooled, or too few even
    together. "" for every other document."""
    scope = document.get("scope") or {}
    if scope.get("type") == "pool":
        members = list(scope.get("members") or ())
        return (
            f"{_numbered(members)}, som hver har for få kartlagte til en egen rapport. "
            "Tallene gjelder dem samlet."
        )
    pool = document.get("pool")
    if scope.get("type") != "county" or not pool or not pool.get("members"):
        return ""
    members = list(pool["members"])
    if pool.get("made"):
        return (
            f"{_numbered(members)} har hver for få kartlagte til en egen rapport; de har en "
            f"felles rapport, «{pool.get('name') or 'Små kommuner'}»."
        )
    if len(members) == 1:
        return f"{_numbered(members)} har for få kartlagte til en egen rapport."
    return f"{_numbered(members)} har for få kartlagte til en egen rapport, også samlet."


def thin_text(document: dict) -> str:
    """What a rendering says of a thin document (`brukerplan.reports.thin`), else ""."""
    below = (document.get("thin") or {}).get("persons_below")
    if not below:
        return ""
    return (
        f"Færre enn {below} kartlagte personer: tabellene som ellers fordeler på de seks "
        "kategoriene, viser her alle personene samlet (eller hovedgruppene), så færre tall "
        "må skjules."
    )


FINDINGS_TITLE = "Hovedfunn"
NO_FINDINGS = (
    "Ingen hovedfunn kan skrives for denne rapporten: tallene de bygger på, er skjult for å "
    "beskytte små tall eller mangler."
)


def findings_of(document: dict) -> list[dict[str, str]]:
    """The document's main findings as the renderings show them: the sentence, the table's
    id and «Kilde: <the table's title>» (`reports/findings.py` made them)."""
    tables = document.get("tables", {})
    shown = []
    for finding in document.get("findings") or ():
        title = (tables.get(finding["table"]) or {}).get("title")
        source = f"Kilde: {title}." if title else ""
        shown.append({"text": finding["text"], "table": finding["table"], "source": source})
    return shown


def coverage_text(document: dict) -> str:
    """Which unit types the report leaves out, and why (its `"unit_types"`, from the legal
    basis of its year); "" when it covers them all."""
    left_out = (document.get("unit_types") or {}).get("left_out") or []
    if not left_out:
        return ""
    labels = instrument_for(document).unit_types
    names = [labels.get(t, t) for t in left_out]
    names = [name if name.isupper() else name.lower() for name in names]
    return (
        f"Kartlegginger fra {listed(names)} er ikke med i {document.get('year')}: "
        "det manglet rettslig grunnlag."
    )


def release_lines(document: dict) -> list[str]:
    """What the report says of its numbers' state (its `"release"`): preliminary while a
    period it covers is open, and not public before its release date."""
    state = document.get("release") or {}
    lines = []
    if state.get("preliminary"):
        lines.append("Foreløpige tall – kartleggingen pågår")
    day = state.get("not_public_before")
    if day:
        year, month, date = day.split("-")
        lines.append(f"Ikke offentlig før {date}.{month}.{year}")
    return lines


def group_sizes(document: dict) -> dict[str, int | None]:
    """N per row key (category, rus, psykisk, alle) from the document's `kategorier` table."""
    table = document.get("tables", {}).get("kategorier")
    if not table:
        return {}
    return {row["key"]: row["values"].get("antall") for row in table["rows"]}


def n_text(n: int | None) -> str:
    return f"N\u00a0=\u00a0{format_number(n, COUNT)}"


@dataclass(frozen=True)
class TableInfo:
    section: str
    intro: str
    sheet: str
    # "row": percentages of the row's group (N from `kategorier` per row);
    # "column": of the column's main group; None: the table states its own N.
    denominator: str | None = None
    seed: str = ""


SECTIONS = {
    "plan": "Til planarbeidet",
    "kommuner": "Kommunene i fylket",
    "kategorier": "Kartlagte tjenestemottakere",
    "levekar": "Levekårsområder og levekårsindeks",
    "bakgrunn": "Nøkkeltall",
    "helse": "Helse, rus og risiko",
    "barn": "Barn",
    "tjenester": "Tjenester",
    "utvikling": "Utvikling siden forrige kartlegging",
    "andre": "Andre tabeller",
}

TABLES: dict[str, TableInfo] = {
    "planarbeid": TableInfo(
        "plan",
        "Nøkkeltallene til en plan for rus- og psykisk helsearbeid i én tabell: hvor mange som "
        "er kartlagt og hvor mange det er per 1 000 voksne innbyggere, hovedgruppene, "
        "levekårsindeksen, foreldre og barn, LAR, og de tjenestene flest har behov for neste år "
        "uten å ha mottatt dem. Andelene er av alle kartlagte.",
        "Til planarbeidet",
    ),
    "dekning_per_1000": TableInfo(
        "plan",
        "Kartlagte per 1 000 innbyggere 18 år og over, sammenlignet med fylket, hele landet og "
        "kommuner av samme størrelse. Regnet av innbyggerne i kommunene som har kartlagt.",
        "Dekning",
    ),
    "kommuner_fylke": TableInfo(
        "kommuner",
        "Kommunene i fylket med kartlagte: antall, kartlagte per 1 000 innbyggere 18 år og over, "
        "og levekårsindeksen i prosent av kommunens kartlagte.",
        "Kommunene",
    ),
    "kategorier": TableInfo(
        "kategorier",
        "Mottakerne er delt i to hovedgrupper: mottakere med rusproblemer (med eller uten "
        "samtidige psykiske problemer) og mottakere med kun psykiske problemer. Hver hovedgruppe "
        "er delt i tre kategorier etter alvorlighetsgrad på levekårsområdene rusmiddelbruk og "
        "psykisk helse. Andelen for en kategori er regnet av hovedgruppen; andelen for en "
        "hovedgruppe er regnet av alle kartlagte.",
        "Kategorier",
        None,
        "Tabell 5",
    ),
    "rus_psyk_matrise": TableInfo(
        "kategorier",
        "Kategoriene bygger på fargene mottakeren har fått på levekårsområdene rusmiddelbruk og "
        "psykisk helse. Tabellen viser hvor mange mottakere som har hver kombinasjon av farger.",
        "Rus og psykisk helse",
        None,
        "Tabell 1",
    ),
    "levekarsindeks": TableInfo(
        "levekar",
        "Levekårsindeksen samler de åtte levekårsområdene i én poengsum fra 138 til 552, der rød "
        "gir flest poeng. Standardavviket viser hvor ulike levekårene er innad i gruppen.",
        "Levekårsindeks",
        None,
        "Tabell 2",
    ),
    "levekarsindeks_grupper": TableInfo(
        "levekar",
        "Levekårsindeksen er delt i fire grupper: grønn, gul, rød og blålys. Blålys er et signal "
        "om særlig dårlige levekår, med høy andel rød på de fleste levekårsområdene. Prosent av "
        "kategorien.",
        "Indeksgrupper",
        "row",
        "Figur 21",
    ),
    "levekarsomrader": TableInfo(
        "levekar",
        "Hvert levekårsområde er vurdert som grønn, gul eller rød på kartleggingstidspunktet. "
        "Grønn er god fungering, rød er svært dårlig fungering (se hjelpetekstene). Prosent av "
        "hovedgruppen.",
        "Levekårsområder",
        "column",
        "Figur 6–20",
    ),
    "nokkeltall": TableInfo(
        "bakgrunn",
        "Nøkkeltall for de to hovedgruppene: kjønn, alder, bosituasjon, barn, aktivitet, "
        "livsopphold, risiko, tjenester og planer. Prosent av hovedgruppen; en person kan ha "
        "flere svar der spørsmålet tillater det.",
        "Nøkkeltall",
        "column",
        "Vedlegg 2",
    ),
    "alder_kategori": TableInfo(
        "bakgrunn",
        "Gjennomsnittlig alder (år) for mottakerne i hver kategori.",
        "Alder",
        "row",
        "Tabell 6",
    ),
    "varighet_kategori": TableInfo(
        "helse",
        "Hvor lenge det psykiske helseproblemet har vart, for kategoriene med psykiske problemer. "
        "Prosent av kategorien.",
        "Varighet psykisk",
        "row",
        "Tabell 7",
    ),
    "selvmord_kategori": TableInfo(
        "helse",
        "Andel som har forsøkt selvmord de siste tre årene, og andel som vurderes å være i fare "
        "for selvmord. Prosent av kategorien.",
        "Selvmord",
        "row",
        "Tabell 8",
    ),
    "overdose_kategori": TableInfo(
        "helse",
        "Mottakere med rusproblemer: andel som har hatt overdose det siste året, andel som "
        "vurderes å være i fare for overdose, og andel med ingen av delene. Prosent av kategorien.",
        "Overdose",
        "row",
        "Tabell 9",
    ),
    "vold_kategori": TableInfo(
        "helse",
        "Andel som er utsatt for vold eller trusler, andel som utsetter andre for vold eller "
        "trusler, og andel med ingen av delene. Prosent av kategorien.",
        "Vold",
        "row",
        "Tabell 10",
    ),
    "lar_deltakelse": TableInfo(
        "helse",
        "Mottakere med rusproblemer som har fått legemiddelassistert rehabilitering (LAR) de "
        "siste 12 månedene, etter kategori.",
        "LAR",
    ),
    "lar_rusmidler": TableInfo(
        "helse",
        "Rusmidlene LAR-deltakerne bruker, injisering og overdose, sammenlignet med de andre "
        "mottakerne med rusproblemer. Prosent av gruppen.",
        "LAR rusmidler",
    ),
    "lar_levekar": TableInfo(
        "helse",
        "Levekårsområdene, levekårsindeksen og vold og trusler for LAR-deltakerne, sammenlignet "
        "med de andre mottakerne med rusproblemer. Prosent av gruppen.",
        "LAR levekår",
    ),
    "barn_kategori": TableInfo(
        "barn",
        "Mottakere som har egne barn (omsorg, samvær eller uten kontakt), og hvor mange barn de "
        "har til sammen.",
        "Barn",
        None,
        "Tabell 11",
    ),
    "barn_indeks_barnevern": TableInfo(
        "barn",
        "Mottakere med rød eller blålys levekårsindeks som har omsorg for eller samvær med barn, "
        "etter om de får tjenester fra barnevernet. Antall personer.",
        "Barn og barnevern",
        None,
        "Tabell 12",
    ),
    "tjenester_kategori": TableInfo(
        "tjenester",
        "Andel som har fått minst én tjeneste fra NAV, fra kommunen og fra "
        "spesialisthelsetjenesten de siste 12 månedene. Prosent av kategorien.",
        "Tjenester",
        "row",
        "Tabell 13",
    ),
    "behov_tjenester": TableInfo(
        "tjenester",
        "Til planleggingen av tjenestene: for hver tjeneste hvor mange som har mottatt den de "
        "siste 12 månedene, hvor mange som har behov for den de neste 12 månedene, og hvor "
        "mange som har behov uten å ha fått den. Andelene er av alle kartlagte.",
        "Behov for tjenester",
    ),
    "trend_kategorier": TableInfo(
        "utvikling",
        "Utviklingen siden forrige kartlegging i kommunene som er kartlagt begge år. Antall "
        "kartlagte etter kategori; kolonnene er årene.",
        "Utvikling kategorier",
    ),
    "trend_levekarsindeks": TableInfo(
        "utvikling",
        "Gjennomsnittlig levekårsindeks og indeksgruppene ved forrige kartlegging og i år, i "
        "prosent av hovedgruppen.",
        "Utvikling indeks",
    ),
    "trend_levekarsomrader": TableInfo(
        "utvikling",
        "Fargene på levekårsområdene ved forrige kartlegging og i år, i prosent av hovedgruppen.",
        "Utvikling levekår",
    ),
    "trend_tjenester": TableInfo(
        "utvikling",
        "Andel som har fått minst én tjeneste fra NAV, fra kommunen og fra "
        "spesialisthelsetjenesten, ved forrige kartlegging og i år.",
        "Utvikling tjenester",
    ),
}


# The workbook's sheet of every other table (a name of at most 31 characters, Norwegian);
# a table not named here gets its title, shortened (`sheet_from_title`), never its id.
SHEETS = {
    "utvikling_utvalg": "Utvikling, utvalget",
    "utvikling_gronn": "Utvikling, grønn score",
    "utvikling_rod": "Utvikling, rød score",
    "utvikling_kjonn": "Utvikling, kjønn",
    "utvikling_alder": "Utvikling, alder",
    "utvikling_levekarsomrader": "Utvikling, levekårsområder",
    "utvikling_levekarsindeks": "Utvikling, levekårsindeks",
    "utvikling_aktiviteter": "Utvikling, aktivitet",
    "utvikling_planer": "Utvikling, planer",
    "vedlegg_sporsmal": "Vedlegg, alle spørsmål",
    "kjonn_kategori": "Kjønn",
    "alder_fordeling": "Aldersfordeling",
    "utdanning": "Utdanning",
    "fodeland": "Fødeland",
    "bor_med": "Hvem de bor med",
    "levekarsomrade_bosituasjon": "Bosituasjon",
    "levekarsomrade_meningsfull_aktivitet": "Meningsfull aktivitet",
    "levekarsomrade_okonomi": "Økonomi",
    "levekarsomrade_fysisk_helse": "Fysisk helse",
    "levekarsomrade_psykisk_helse": "Psykisk helse",
    "levekarsomrade_rusmiddelbruk": "Rusmiddelbruk",
    "levekarsomrade_sosial_fungering": "Sosial fungering",
    "levekarsomrade_nettverk": "Nettverk",
    "aktiviteter": "Aktiviteter",
    "livsopphold": "Livsopphold",
    "arbeidserfaring": "Arbeidserfaring",
    "tid_siden_arbeid": "Tid siden arbeid",
    "rusmidler_kategori": "Rusmidler",
    "rusmidler_alder": "Rusmidler etter alder",
    "barn_antall_kategori": "Antall barn",
    "barn_kontakt_kategori": "Kontakt med barn",
    "barn_levekarsindeks": "Barn og levekårsindeks",
    "andres_barn_levekarsindeks": "Andres barn",
    "planer_kategori": "Planer",
    "tjenester_antall_indeks": "Antall tjenester",
    "tjenester_nav": "NAV-tjenester",
    "tjenester_kommune": "Kommunale tjenester",
    "tjenester_tsb": "TSB",
    "tjenester_phv": "Psykisk helsevern",
    "tjenester_somatikk": "Somatiske sykehustjenester",
    "tjenester_andre": "Andre tjenester",
    "tjenester_indeksgruppe": "Tjenester etter indeks",
    "behov_tjenester": "Behov for tjenester",
    "levekarsomrader_alder": "Levekårsområder etter alder",
    "unge_kategorier": "Under 18 – kategorier",
    "unge_alder_kategori": "Under 18 – alder og kjønn",
    "unge_aktiviteter": "Under 18 – aktiviteter",
    "unge_levekarsomrader": "Under 18 – levekårsområder",
    "dekning_storrelse": "Kommunestørrelse",
    "dekning_per_1000": "Per 1 000 innbyggere",
    "trend_kategorier": "Utvikling – kategorier",
    "trend_levekarsindeks": "Utvikling – levekårsindeks",
    "trend_levekarsomrader": "Utvikling – levekårsområder",
    "trend_bakgrunn": "Utvikling – bakgrunn",
    "trend_tjenester": "Utvikling – tjenester",
    "panel_levekarsomrader": "Samme personer – områder",
    "panel_endring": "Samme personer – endring",
}
SHEET_LENGTH = 31  # Excel's limit


def sheet_from_title(title: str) -> str:
    """A sheet name from a table's title: its first sentence, cut at a word to 31 characters."""
    first = (title or "").split(". ")[0].rstrip(".").strip()
    if len(first) <= SHEET_LENGTH:
        return first or "Tabell"
    words, name = first.split(), ""
    for word in words:
        if len(f"{name} {word}".strip()) > SHEET_LENGTH - 1:
            break
        name = f"{name} {word}".strip()
    return (name or first[: SHEET_LENGTH - 1]) + "…"


def table_info(table_id: str, table: dict) -> TableInfo:
    sheet = SHEETS.get(table_id) or sheet_from_title(table.get("title", ""))
    return TABLES.get(table_id) or TableInfo("andre", "", sheet, None)


def ordered_table_ids(document: dict) -> list[str]:
    """The document's tables: the known ones in report order, then the rest as they come."""
    tables = document.get("tables", {})
    known = [t for t in TABLES if t in tables]
    return known + [t for t in tables if t not in TABLES]


# --- category rows ---------------------------------------------------------


@dataclass(frozen=True)
class RowBlock:
    """Rows shown together: one main group's categories and its total row."""

    group: str | None  # rus | psykisk | alle | None
    label: str
    rows: tuple[dict, ...]


def is_category_table(table: dict, instrument) -> bool:
    known = {c for cats in instrument.main_groups.values() for c in cats} | {
        "rus",
        "psykisk",
        "alle",
    }
    keys = [row["key"] for row in table["rows"]]
    return bool(keys) and all(k in known for k in keys)


def row_blocks(table: dict, instrument, main_group: str | None = None) -> list[RowBlock]:
    """The rows grouped as the seed shows them: rus categories + total rus, psykisk …, alle.

    With `main_group`, only that group's categories and its total row.
    """
    rows = list(table["rows"])
    if not is_category_table(table, instrument):
        return [RowBlock(None, "", tuple(rows))]
    blocks = []
    for group, cats in instrument.main_groups.items():
        if main_group and group != main_group:
            continue
        block = [r for r in rows if r["key"] in cats] + [r for r in rows if r["key"] == group]
        if block:
            blocks.append(RowBlock(group, GROUP_LABELS.get(group, group), tuple(block)))
    if main_group is None:
        alle = tuple(r for r in rows if r["key"] == "alle")
        if alle:
            blocks.append(RowBlock("alle", "Alle", alle))
    return blocks


def columns_for(table: dict, main_group: str | None) -> list[dict]:
    """The columns to show: with `main_group`, a table split by main group keeps only that one."""
    columns = list(table["columns"])
    keys = {c["key"] for c in columns}
    if main_group and set(MAIN_GROUPS) <= keys:
        columns = [c for c in columns if c["key"] not in MAIN_GROUPS or c["key"] == main_group]
    return columns


def rows_for(table_id: str, table: dict, instrument, main_group: str | None) -> list[dict]:
    """The rows to show, in display order."""
    if table_id == "rus_psyk_matrise":
        rows = list(table["rows"])
        if main_group:
            cats = instrument.main_groups.get(main_group, ())
            rows = [r for r in rows if r["key"].split(":", 1)[0] in cats]
        return rows
    return [r for b in row_blocks(table, instrument, main_group) for r in b.rows]


# --- figures: the data of a chart, shared by Altair, PowerPoint and Excel ---


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str
    values: tuple[float | int | None, ...]


@dataclass(frozen=True)
class Panel:
    key: str | None
    title: str
    categories: tuple[str, ...]  # labels, top to bottom
    series: tuple[Series, ...]


@dataclass(frozen=True)
class Figure:
    table_id: str
    key: str
    title: str
    kind: str  # "stacked" (parts of 100 %), "grouped" (bars side by side), "bar" (counts)
    unit: str  # the kind of its numbers (report-format.md): percent | count
    panels: tuple[Panel, ...]
    # "category – series" of the cells not drawn: primary suppressions, secondary ones,
    # and cells without a value.
    hidden: tuple[str, ...] = field(default=())
    secondary: tuple[str, ...] = field(default=())
    missing: tuple[str, ...] = field(default=())
    # The document's small-number threshold, which the notes state.
    threshold: int = field(kw_only=True)

    @property
    def note(self) -> str:
        """The cells not drawn, named under their reasons."""
        parts = []
        for names, why in (
            (self.hidden, hidden_note(self.threshold)),
            (self.secondary, SECONDARY_NOTE),
        ):
            if names:
                parts.append(f"Ikke vist ({why[0].lower() + why[1:]}): " + "; ".join(names))
        if self.missing:
            parts.append("Ingen verdi: " + "; ".join(self.missing))
        return ". ".join(parts)

    @property
    def empty_note(self) -> str:
        """What stands in place of the figure when it is `empty`: the one sentence."""
        if not self.hidden and not self.secondary and self.missing:
            return NO_NUMBERS_TEXT
        return EMPTY_FIGURE_TEXT

    @property
    def empty(self) -> bool:
        """Nothing to draw: every number is hidden (common in small municipalities). The
        renderings say so in one sentence instead of drawing empty axes."""
        return all(_blank(p) for p in self.panels)


def value_title(figure: Figure) -> str:
    """The title of a chart's value axis."""
    return "Antall personer" if figure.unit == COUNT else "Prosent"


def category_title(figure: Figure) -> str:
    """The title of a chart's category axis: what its bars are."""
    if figure.table_id == "levekarsomrader":
        return "Levekårsområde"
    if figure.table_id in ("kategorier", "levekarsindeks_grupper"):
        return "Kategori"
    if figure.table_id == "nokkeltall":
        return figure.title
    return ""


def figure_as_dict(figure: Figure) -> dict:
    """The figure as plain JSON-able data (sent to the chart helper)."""
    return asdict(figure)


def figure_from_dict(data: dict) -> Figure:
    panels = tuple(
        Panel(
            key=p["key"],
            title=p["title"],
            categories=tuple(p["categories"]),
            series=tuple(
                Series(s["key"], s["label"], s["colour"], tuple(s["values"])) for s in p["series"]
            ),
        )
        for p in data["panels"]
    )
    names = {k: tuple(data.get(k, ())) for k in ("hidden", "secondary", "missing")}
    return Figure(**{**data, "panels": panels, **names})


ALL_NUMBERS = "alle tallene"


def _blank(panel: Panel) -> bool:
    return all(v is None for s in panel.series for v in s.values)


def _hidden(label: str, series: str) -> str:
    return f"{label} – {series}" if series else label


@dataclass
class _NotDrawn:
    """The names of a figure's cells that are not drawn, by why (`cell_state`)."""

    hidden: list[str] = field(default_factory=list)
    secondary: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def add(self, state: str, name: str) -> None:
        if state == HIDDEN:
            self.hidden.append(name)
        elif state == HIDDEN_SECONDARY:
            self.secondary.append(name)
        elif state == NONE:
            self.missing.append(name)

    def extend(self, other: _NotDrawn) -> None:
        self.hidden += other.hidden
        self.secondary += other.secondary
        self.missing += other.missing

    def __bool__(self) -> bool:
        return bool(self.hidden or self.secondary or self.missing)

    def as_one(self, name: str) -> _NotDrawn:
        """Every cell named once, as `name`, under each of their reasons."""
        return _NotDrawn(
            [name] if self.hidden else [],
            [name] if self.secondary else [],
            [name] if self.missing else [],
        )

    def fields(self) -> dict:
        return {
            "hidden": tuple(self.hidden),
            "secondary": tuple(self.secondary),
            "missing": tuple(self.missing),
        }


def _unit(table: dict, column_key: str) -> str:
    """A figure's unit: the kind of the column it draws (only counts and percentages
    are drawn)."""
    kind = cell_kind(table, {"key": ""}, column_key)
    if kind not in (COUNT, PERCENT):
        raise ValueError(f"a figure draws counts or percentages, not {kind}: {column_key}")
    return kind


def _area_label(instrument, area: str, fallback: str) -> str:
    try:
        return instrument.question(area).label
    except KeyError:
        return fallback


def _levekarsomrader(table: dict, instrument, main_group, threshold: int) -> list[Figure]:
    cells: dict[tuple[str, str], dict] = {}
    areas: list[str] = []
    labels: dict[str, str] = {}
    for row in table["rows"]:
        area, _, colour = row["key"].partition(":")
        if area not in areas:
            areas.append(area)
            labels[area] = _area_label(instrument, area, row["label"].split(":")[0])
        cells[(area, colour)] = row
    groups = [c["key"] for c in columns_for(table, main_group) if c["key"] in GROUP_COLUMNS]
    column_labels = {c["key"]: c["label"] for c in table["columns"]}
    drawn: list[tuple[Panel, _NotDrawn]] = []
    for group in groups:
        series, not_drawn = [], _NotDrawn()
        for colour in ("gronn", "gul", "rod"):
            values = tuple(
                cells[(a, colour)]["values"].get(group) if (a, colour) in cells else None
                for a in areas
            )
            for area in areas:
                if (area, colour) in cells:
                    state = cell_state("levekarsomrader", table, cells[(area, colour)], group)
                    name = _hidden(f"{column_labels[group]}: {labels[area]}", COLOUR_LABELS[colour])
                    not_drawn.add(state, name)
            series.append(Series(colour, COLOUR_LABELS[colour], COLOURS[colour], values))
        panel = Panel(group, column_labels[group], tuple(labels[a] for a in areas), tuple(series))
        drawn.append((panel, not_drawn))
    if not drawn:
        return []
    # A main group with every number hidden (common in a small municipality) gets no empty
    # panel beside a drawn one: the note names it once instead of every cell.
    some_drawn = any(not _blank(p) for p, _ in drawn)
    if some_drawn:
        drawn = [
            (p, h.as_one(f"{p.title}: {ALL_NUMBERS}") if _blank(p) and h else h) for p, h in drawn
        ]
    panels = [p for p, _ in drawn if not (some_drawn and _blank(p))]
    not_drawn = _NotDrawn()
    for _, h in drawn:
        not_drawn.extend(h)
    return [
        Figure(
            "levekarsomrader",
            "levekarsomrader",
            table["title"],
            "stacked",
            _unit(table, groups[0]),
            tuple(panels),
            **not_drawn.fields(),
            threshold=threshold,
        )
    ]


def _levekarsindeks_grupper(table, instrument, main_group, threshold: int) -> list[Figure]:
    rows = rows_for("levekarsindeks_grupper", table, instrument, main_group)
    colours = [c for c in table["columns"] if c["key"] in COLOURS]
    not_drawn = _NotDrawn()
    series = []
    for column in colours:
        values = tuple(r["values"].get(column["key"]) for r in rows)
        for r in rows:
            state = cell_state("levekarsindeks_grupper", table, r, column["key"])
            not_drawn.add(state, _hidden(r["label"], column["label"]))
        series.append(Series(column["key"], column["label"], COLOURS[column["key"]], values))
    panel = Panel(None, "", tuple(r["label"] for r in rows), tuple(series))
    return [
        Figure(
            "levekarsindeks_grupper",
            "levekarsindeks_grupper",
            table["title"],
            "stacked",
            _unit(table, colours[0]["key"]),
            (panel,),
            **not_drawn.fields(),
            threshold=threshold,
        )
    ]


def _kategorier(table, instrument, main_group, threshold: int) -> list[Figure]:
    series, categories = [], []
    not_drawn = _NotDrawn()
    by_key = {r["key"]: r for r in table["rows"]}
    groups = [g for g in instrument.main_groups if main_group in (None, g)]
    all_cats = [c for g in groups for c in instrument.main_groups[g] if c in by_key]
    categories = [by_key[c]["label"] for c in all_cats]
    for group in groups:
        cats = instrument.main_groups[group]
        values = tuple(by_key[c]["values"].get("antall") if c in cats else None for c in all_cats)
        for c in all_cats:
            if c in cats:
                state = cell_state("kategorier", table, by_key[c], "antall")
                not_drawn.add(state, by_key[c]["label"])
        series.append(Series(group, GROUP_LABELS[group], GROUP_COLOURS[group], values))
    if not categories:
        return []
    panel = Panel(None, "", tuple(categories), tuple(series))
    return [
        Figure(
            "kategorier",
            "kategorier",
            "Antall kartlagte etter kategori",
            "bar",
            _unit(table, "antall"),
            (panel,),
            **not_drawn.fields(),
            threshold=threshold,
        )
    ]


_NOKKELTALL_PARTS = {
    "kjonn": "Kjønn",
    "alder": "Alder",
    "bor_med": "Hvem de bor sammen med",
    "barn": "Barn",
    "aktiviteter": "Aktiviteter personen deltar i",
    "livsopphold": "Kilde til livsopphold",
    "enhetstype": "Kartlagt av",
    "risiko": "Selvmord og injisering",
    "overdose": "Overdose",
    "vold": "Vold og trusler",
    "planer": "Planer og samarbeidsgrupper",
}


def nokkeltall_part(row_key: str) -> str:
    """The part of `nokkeltall` a row belongs to: kjonn, alder, …, tjenester.nav, …"""
    prefix, sep, rest = row_key.partition(":")
    if not sep:
        return "risiko"
    if prefix == "tjenester":
        return "tjenester." + rest.split(".", 1)[0]
    return prefix


def nokkeltall_parts(table: dict) -> list[tuple[str, str, list[dict]]]:
    """(part key, title, rows) in document order."""
    parts: dict[str, list[dict]] = {}
    for row in table["rows"]:
        parts.setdefault(nokkeltall_part(row["key"]), []).append(row)
    out = []
    for key, rows in parts.items():
        title = _NOKKELTALL_PARTS.get(key)
        if title is None:
            prefixes = {r["label"].split(": ", 1)[0] for r in rows if ": " in r["label"]}
            title = prefixes.pop() if len(prefixes) == 1 else key
            if key.startswith("tjenester."):
                title = f"Tjenester siste 12 måneder: {title}"
        out.append((key, title, rows))
    return out


def short_label(label: str, part_title: str) -> str:
    """A row label without the part's prefix ("Alder: 18–23 år" -> "18–23 år")."""
    _head, sep, tail = label.partition(": ")
    if sep and tail:
        return tail[:1].upper() + tail[1:]
    return label


def _nokkeltall(table, instrument, main_group, threshold: int) -> list[Figure]:
    groups = [c for c in columns_for(table, main_group) if c["key"] in GROUP_COLUMNS]
    figures = []
    for key, title, rows in nokkeltall_parts(table):
        series, not_drawn = [], _NotDrawn()
        for column in groups:
            states = [cell_state("nokkeltall", table, row, column["key"]) for row in rows]
            if all(state == NA for state in states):
                continue  # not asked of this group at all
            for row, state in zip(rows, states, strict=True):
                not_drawn.add(state, _hidden(short_label(row["label"], title), column["label"]))
            values = tuple(row["values"].get(column["key"]) for row in rows)
            series.append(
                Series(column["key"], column["label"], GROUP_COLOURS[column["key"]], values)
            )
        if not series:
            continue
        panel = Panel(None, "", tuple(short_label(r["label"], title) for r in rows), tuple(series))
        figures.append(
            Figure(
                "nokkeltall",
                f"nokkeltall.{key}",
                title,
                "grouped",
                _unit(table, groups[0]["key"]),
                (panel,),
                **not_drawn.fields(),
                threshold=threshold,
            )
        )
    return figures


_FIGURES = {
    "kategorier": _kategorier,
    "levekarsindeks_grupper": _levekarsindeks_grupper,
    "levekarsomrader": _levekarsomrader,
    "nokkeltall": _nokkeltall,
}


def figures(
    table_id: str,
    table: dict,
    instrument=None,
    main_group: str | None = None,
    *,
    threshold: int,
) -> list[Figure]:
    """The figures of a table (none when it is shown as a table only). `threshold`: the
    document's (`threshold_of`), which their notes state."""
    build = _FIGURES.get(table_id)
    if build is None or not table.get("rows"):
        return []
    return build(table, instrument or definition.current(), main_group, threshold)


def figure_values(figure: Figure) -> dict[tuple[str | None, str, str], float | int | None]:
    """Every plotted value by (panel key, category label, series key): for tests and checks."""
    return {
        (p.key, c, s.key): v
        for p in figure.panels
        for s in p.series
        for c, v in zip(p.categories, s.values, strict=True)
    }


# --- tables as shown: shared by the PDF and the slides ----------------------


@dataclass(frozen=True)
class Cell:
    text: str
    kind: str = "num"  # label | num | hidden | na
    colour: str | None = None  # a colour key (gronn, gul, …) to mark the cell with
    colspan: int = 1
    key: tuple[str, str] | None = None  # (row key, column key) of the document cell


@dataclass(frozen=True)
class DisplayRow:
    cells: tuple[Cell, ...]
    style: str = ""  # "" | block (a group heading) | total


@dataclass(frozen=True)
class DisplayTable:
    table_id: str
    title: str
    header: tuple[tuple[Cell, ...], ...]
    body: tuple[DisplayRow, ...]
    notes: tuple[str, ...]
    n_text: str = ""  # the denominators in words
    n_columns: int = 0  # the N columns after the row label (one per scope compared)

    @property
    def width(self) -> int:
        return sum(c.colspan for c in self.header[-1]) if self.header else 0


def _value_cell(table_id: str, table: dict, row: dict, column_key: str) -> Cell:
    state = cell_state(table_id, table, row, column_key)
    return Cell(format_cell(table_id, table, row, column_key), state, key=(row["key"], column_key))


def table_notes(body: Iterable[DisplayRow], threshold: int) -> tuple[str, ...]:
    """The notes under a shown table: what its marks mean, each when it has them
    (`threshold`: the document's)."""
    states = {c.kind for r in body for c in r.cells}
    notes = []
    if HIDDEN in states:
        notes.append(f"{DASH} {hidden_note(threshold)}")
    if HIDDEN_SECONDARY in states:
        notes.append(f"{SECONDARY_MARK} {SECONDARY_NOTE}")
    if NONE in states:
        notes.append(f"{NO_VALUE} {NO_VALUE_NOTE}")
    if NA in states:
        notes.append(NOT_APPLICABLE_NOTE)
    return tuple(notes)


def says_percent(table: dict) -> bool:
    """Whether the table's title says its numbers are percentages ("… Prosent")."""
    return table.get("title", "").rstrip(". ").endswith("Prosent")


def _column_header(table: dict, column: dict, sizes: dict, info: TableInfo) -> str:
    """A column's header: its label, with the group's N where the column is a group, and
    «(%)» for a percentage the label or the table's title does not already mark."""
    label = column["label"]
    if info.denominator == "column" and column["key"] in sizes:
        return f"{label} ({n_text(sizes[column['key']])})"
    if column_kind(column) == PERCENT and "%" not in label and not says_percent(table):
        return f"{label} (%)"
    return label


def _levekarsomrader_table(table, document, instrument, main_group) -> DisplayTable:
    info = TABLES["levekarsomrader"]
    sizes = group_sizes(section_of(document, "levekarsomrader", table))
    groups = [c for c in columns_for(table, main_group) if c["key"] in GROUP_COLUMNS]
    cells: dict[tuple[str, str], dict] = {}
    areas: list[str] = []
    for row in table["rows"]:
        area, _, colour = row["key"].partition(":")
        if area not in areas:
            areas.append(area)
        cells[(area, colour)] = row
    colours = ("gronn", "gul", "rod")
    top = [Cell("", "label")] + [
        Cell(_column_header(table, g, sizes, info), "label", colspan=len(colours)) for g in groups
    ]
    second = [Cell("Levekårsområde", "label")] + [
        Cell(COLOUR_LABELS[c], "label", colour=c) for _ in groups for c in colours
    ]
    body = []
    for area in areas:
        first = cells.get((area, "gronn")) or next(r for (a, _), r in cells.items() if a == area)
        row_cells = [Cell(_area_label(instrument, area, first["label"].split(":")[0]), "label")]
        for g in groups:
            for colour in colours:
                row = cells.get((area, colour))
                if row is None:
                    row_cells.append(Cell("", "label"))
                else:
                    row_cells.append(_value_cell("levekarsomrader", table, row, g["key"]))
        body.append(DisplayRow(tuple(row_cells)))
    return DisplayTable(
        "levekarsomrader",
        table["title"],
        (tuple(top), tuple(second)),
        tuple(body),
        table_notes(body, threshold_of(document)),
    )


def _matrix_table(table, document, instrument, main_group) -> DisplayTable:
    header = (
        (
            Cell("Kategori", "label"),
            Cell("Rusmiddelbruk", "label"),
            Cell("Psykisk helse", "label"),
            Cell("Antall", "label"),
        ),
    )
    body, previous = [], None
    for row in rows_for("rus_psyk_matrise", table, instrument, main_group):
        parts = row["key"].split(":")
        if len(parts) == 3:
            category, rus, psyk = parts
            try:
                category_label = instrument.category_label(category)
            except StopIteration:
                category_label = row["label"].split(":")[0]
            first = Cell(category_label if category != previous else "", "label")
            previous = category
            body.append(
                DisplayRow(
                    (
                        first,
                        Cell(COLOUR_LABELS.get(rus, rus), "label", colour=rus),
                        Cell(COLOUR_LABELS.get(psyk, psyk), "label", colour=psyk),
                        _value_cell("rus_psyk_matrise", table, row, "antall"),
                    )
                )
            )
        else:
            body.append(
                DisplayRow(
                    (
                        Cell(row["label"], "label", colspan=3),
                        _value_cell("rus_psyk_matrise", table, row, "antall"),
                    )
                )
            )
    return DisplayTable(
        "rus_psyk_matrise",
        table["title"],
        header,
        tuple(body),
        table_notes(body, threshold_of(document)),
    )


def comparison_display_table(table_id: str, document: dict, instrument=None) -> DisplayTable | None:
    """The table of the scope's numbers beside the comparisons' (None without comparisons).

    Where the table has an N per row, each scope has its own N column (from its own
    `kategorier`), beside its numbers."""
    table = compared_table(table_id, document)
    if table is None:
        return None
    instrument = instrument or instrument_for(document)
    others = comparisons_of(document, table_id)
    labels = ", ".join(label for _, label, _ in others)
    table = {**table, "title": f"Sammenligning med {labels}: {table['title']}"}
    sections = [(scope_name(document), document)]
    sections += [(label, document["comparisons"][name]) for name, label, _ in others]
    n_columns = [(label, group_sizes(section)) for label, section in sections]
    shown = _generic_table(table_id, table, document, instrument, None, n_columns)
    if not shown.body:
        return None
    header = _grouped_header(table_id, table, shown.header[-1], document, len(shown.header[-1]))
    return replace(shown, header=header)


def _grouped_header(
    table_id: str, table: dict, flat: tuple[Cell, ...], document: dict, width: int
) -> tuple[tuple[Cell, ...], ...]:
    """Two header rows for a compared table: each column's label (and "N") over the
    scopes' names, each scope's N beside its name where the column is a group."""
    columns = table["columns"]
    lead = flat[: width - len(columns)]  # the row label, then the N columns
    info = table_info(table_id, table)
    top = [Cell("", "label")]
    bottom = [lead[0]]
    if len(lead) > 1:
        top.append(Cell("N", "label", colspan=len(lead) - 1))
        bottom += [Cell(c.text.removeprefix("N – "), "label") for c in lead[1:]]
    groups: dict[str, list[dict]] = {}
    for column in columns:
        groups.setdefault(column["base_key"], []).append(column)
    for base_key, group in groups.items():
        base = {"key": base_key, "label": group[0]["base_label"], "kind": group[0]["kind"]}
        # A main group's column is named as it is, its N under it per scope.
        label = base["label"] if info.denominator == "column" else None
        label = label or _column_header(table, base, {}, info)
        top.append(Cell(label, "label", colspan=len(group)))
        for column in group:
            text = column["scope"]
            sizes = group_sizes(_section(document, column["section"]))
            if info.denominator == "column" and base_key in sizes:
                text = f"{text} ({n_text(sizes[base_key])})"
            bottom.append(Cell(text, "label"))
    return (tuple(top), tuple(bottom))


def _section(document: dict, name: str | None) -> dict:
    """The document (None) or its comparison section of that name."""
    return document if name is None else document["comparisons"][name]


def display_table(
    table_id: str, table: dict, document: dict, instrument=None, main_group: str | None = None
) -> DisplayTable | None:
    """A table as a reader sees it: formatted cells, group blocks, N, notes.

    `table` is the document's or one of its comparison sections' (`section_of`): its N
    are that section's. None when nothing is left to show (a table of the other main
    group).
    """
    instrument = instrument or instrument_for(document)
    if table_id == "levekarsomrader":
        shown = _levekarsomrader_table(table, document, instrument, main_group)
    elif table_id == "rus_psyk_matrise":
        shown = _matrix_table(table, document, instrument, main_group)
    else:
        shown = _generic_table(table_id, table, document, instrument, main_group)
    return shown if shown.body else None


def _generic_table(
    table_id, table, document, instrument, main_group, n_columns=None
) -> DisplayTable:
    """`n_columns`: (scope name, N per row key) of each N column of a compared table;
    None: one N column of the table's own section, where the table has N per row."""
    info = table_info(table_id, table)
    sizes = group_sizes(section_of(document, table_id, table))
    if n_columns is None:
        n_columns = [("", sizes)]
        column_sizes = sizes
    else:
        column_sizes = {}  # said per scope in the grouped header
    if info.denominator != "row":
        n_columns = []
    n_columns = [(name, n) for name, n in n_columns if n]
    columns = columns_for(table, main_group)
    header = [Cell("", "label")]
    header += [Cell(f"N – {name}" if name else "N", "label") for name, _ in n_columns]
    header += [Cell(_column_header(table, c, column_sizes, info), "label") for c in columns]
    body: list[DisplayRow] = []

    def data_row(row: dict, label: str, style: str = "") -> DisplayRow:
        cells = [Cell(label, "label")]
        cells += [Cell(format_number(n.get(row["key"]), COUNT), "num") for _, n in n_columns]
        cells += [_value_cell(table_id, table, row, c["key"]) for c in columns]
        return DisplayRow(tuple(cells), style)

    if table_id == "nokkeltall":
        for _key, title, rows in nokkeltall_parts(table):
            body.append(DisplayRow((Cell(title, "label", colspan=len(header)),), "block"))
            body += [data_row(r, short_label(r["label"], title)) for r in rows]
    else:
        blocks = row_blocks(table, instrument, main_group)
        for block in blocks:
            if block.group and block.group != "alle" and len(blocks) > 1:
                body.append(DisplayRow((Cell(block.label, "label", colspan=len(header)),), "block"))
            for row in block.rows:
                total = row["key"] in ("rus", "psykisk", "alle") and block.group is not None
                label = TOTAL_LABELS.get(row["key"], row["label"]) if total else row["label"]
                body.append(data_row(row, label, "total" if total else ""))
    n_line = ""
    if n_columns:
        n_line = "N er antall kartlagte i gruppen (se tabellen over kategorier)."
    return DisplayTable(
        table_id,
        table["title"],
        (tuple(header),),
        tuple(body),
        table_notes(body, threshold_of(document)),
        n_line,
        len(n_columns),
    )
