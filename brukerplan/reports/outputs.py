"""One report document to the bytes of a format. The renderers only format."""

import json


def output(document: dict, format: str) -> bytes:
    if format == "json":
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
    if format == "pdf":
        from brukerplan.reports.render.pdf import render_pdf

        return render_pdf(document)
    if format == "pptx":
        from brukerplan.reports.render.pptx import render_pptx

        return render_pptx(document)
    if format == "xlsx":
        from brukerplan.reports.render.xlsx import render_xlsx

        return render_xlsx(document)
    raise ValueError(f"unknown format {format}")
