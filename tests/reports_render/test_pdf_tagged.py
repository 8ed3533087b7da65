"""The PDF is tagged (PDF/UA-1): structure, the document's language, a text for each chart."""

import re
import shutil
import subprocess
import zlib
from html import unescape

import pytest

from brukerplan.reports.render import pdf


def pdf_info(content: bytes) -> str:
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    return subprocess.run(
        ["pdfinfo", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def objects(content: bytes) -> bytes:
    """The PDF's objects, compressed streams opened (WeasyPrint packs them in streams)."""
    parts = [content]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def alternatives(found: bytes) -> list[str]:
    """Every /Alt text of the structure tree, literal or UTF-16 hex."""
    texts = []
    for literal, hexed in re.findall(rb"/Alt\s*(?:\(([^)]*)\)|<([0-9a-fA-F]+)>)", found):
        texts.append(bytes.fromhex(hexed.decode()).decode("utf-16") if hexed else literal.decode())
    return texts


@pytest.mark.slow
def test_the_pdf_is_tagged_in_norwegian_with_a_text_for_each_chart(sample_year):
    document = sample_year["municipality:4601"]
    made = pdf.page(document)
    content = pdf.render_page(made)
    info = pdf_info(content)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Title:\s+BrukerPlan \d{4} – Bergen$", info, re.M)
    found = objects(content)
    assert b"/Lang (nb)" in found
    assert b"/StructTreeRoot" in found
    charts = [unescape(alt) for alt in re.findall(r'<img src="[^"]+" alt="([^"]*)"', made.html)]
    assert charts and all(alt.startswith("Diagram: ") for alt in charts)
    assert [alt for alt in alternatives(found) if alt.startswith("Diagram: ")] == charts
