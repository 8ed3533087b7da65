"""One report document to the bytes of a format. The renderers only format."""

import json


def output(document: dict, format: str, *, main_group: str | None = None) -> bytes:
    """`main_group` (rus | psykisk): the deck of that main group only (PowerPoint)."""
    if format == "json":
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
    if format == "pdf":
        from brukerplan.reports.render.pdf import render_pdf

        return render_pdf(document)
    if format == "pptx":
        from brukerplan.reports.render.pptx import render_pptx

        return render_pptx(document, main_group)
    if format == "xlsx":
        from brukerplan.reports.render.xlsx import render_xlsx

        return render_xlsx(document)
    raise ValueError(f"unknown format {format}")


def write_output(document: dict, format: str, path, *, main_group: str | None = None) -> str:
    """Renders `document` to the file `path` (run in a worker process by the batch command)."""
    import os
    from pathlib import Path

    path = Path(path)
    content = output(document, format, main_group=main_group)
    # Written beside and renamed into place: a stopped batch leaves no half file.
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(content)
    os.replace(partial, path)
    return str(path)
