"""One report document to the bytes of a format. The renderers only format."""

import contextlib
import gc
import json
import threading


def output(
    document: dict, format: str, *, main_group: str | None = None, halves: bool = False
) -> bytes:
    """`main_group` (rus | psykisk): the deck of that main group only (PowerPoint).
    `halves`: a PDF laid out by this process and a child on two cores (`pdf_halves`), for a
    caller that waits for this one file; a batch, whose processes keep the cores busy, and
    every case `pdf_halves` declines render it whole."""
    with collector_paused():
        if halves and format == "pdf":
            from brukerplan.reports.render import pdf_halves

            content = pdf_halves.render(document)
            if content is not None:
                return content
        return _output(document, format, main_group)


def _output(document: dict, format: str, main_group: str | None) -> bytes:
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


_pause_lock = threading.Lock()
_pauses = 0  # blocks inside `collector_paused`, in any thread
_resume = False  # whether the collector ran when the first of them began


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused for the block (a rendering, or a whole
    one-report command).

    WeasyPrint makes hundreds of thousands of objects for a report, and the collector's
    passes over them and over everything the process holds cost up to a tenth of the
    work. The garbage is freed by reference counting as it is dropped; the few cycles
    among it wait for the collector's next pass after the block (measured: the same peak
    memory). Blocks in several threads keep it paused until the last one ends, and a
    collector that was off before stays off."""
    global _pauses, _resume
    with _pause_lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
