"""One PDF laid out by two processes: the halves of `pdf.halves`, one here and one in a
child forked from this process, numbered as one document and joined.

WeasyPrint works on one core, and it is most of a report's PDF. A caller that waits for
one PDF (the `report` command, a download from the dashboard) has a second core that waits
once the charts are made; the child lays out the second half there.

  * The child is forked when the halves are ready, so it has WeasyPrint, its fonts and the
    hyphenation patterns loaded already (copy on write). It runs WeasyPrint and this module
    only, talks through two pipes and ends with `os._exit`: it touches none of this
    process's threads, database connections or Polars, nor a lock another thread may
    hold when it is forked (which Python 3.12 and later warn of when a process with
    threads forks).
  * Its charts come from the chart helper, which answers this process: a thread here sends
    each to the child as it arrives.
  * "Side N av M": WeasyPrint makes the page-margin boxes after it has laid out every page
    (`weasyprint.layout.layout_document`). Its `make_margin_boxes` is wrapped: in a half,
    the first margin box waits for the other half's page count, and the page counters of
    every margin box are offset (the second half) and given the total. Outside a half the
    wrapper calls WeasyPrint's function unchanged. WeasyPrint is pinned; the tests compare
    the joined PDF with the whole one page for page.
  * pypdf joins the halves: the second half's bookmarks under the first's title, the
    title and language of the first.

If anything fails (the child ends, stops answering or reports an error), the caller renders
the whole page in this process.
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import select
import struct
import threading
import time

from brukerplan.reports.render import pdf

logger = logging.getLogger(__name__)

# The child's answers: a page count soon after the halves start, the PDF after it.
ANSWER_SECONDS = 60
_HEADER = struct.Struct("!cI")
_local = threading.local()
_wrapped = False
_wrap_lock = threading.Lock()


class HalfFailed(RuntimeError):
    pass


# Threads that are never inside WeasyPrint or its C libraries when the halves fork: the chart
# helper's reader, the `report` command's WeasyPrint import (done by then: `render` waits for
# it in `pdf.load_weasyprint`), and tqdm's monitor of progress bars.
QUIET_THREADS = frozenset({"chart-helper", "weasyprint-import", "tqdm_monitor"})


def render(document: dict, *, chart_set: str = "main", table_set: str | None = None):
    """The report's PDF from two processes, or None (then the caller renders it whole): on
    one core, without `os.fork`, with fewer than two sections, while another thread may
    render, or when the child failed."""
    if not hasattr(os, "fork") or _cores() < 2 or not _only_renderer():
        return None
    made = pdf.halves(document, chart_set=chart_set, table_set=table_set)
    if made is None:
        return None
    first, second = made
    pdf.load_weasyprint()
    _wrap_margin_boxes()
    # What this process holds now (the modules, the document) outlives the PDF. Frozen, it is
    # left out of the collector's passes over what the layout made (0.03 s instead of 0.06 s
    # for a municipal PDF on 2026-11-30). Unfrozen below, it goes to the oldest generation,
    # where any garbage in it is found as before.
    gc.freeze()
    try:
        return _render(first, second)
    finally:
        gc.unfreeze()


def _render(first: pdf.Page, second: pdf.Page) -> bytes | None:
    to_child_read, to_child = os.pipe()
    from_child, from_child_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the second half, then gone
        os.close(to_child)
        os.close(from_child)
        _child(second, to_child_read, from_child_write)
    os.close(to_child_read)
    os.close(from_child_write)
    sender = _Sender(to_child)
    relay = threading.Thread(target=sender.charts, args=(second.charts,), daemon=True)
    relay.start()
    from pypdf.errors import PyPdfError  # a half pypdf cannot join: rendered whole instead

    try:
        return _parent(first, sender, from_child)
    except (HalfFailed, OSError, ValueError, PyPdfError) as error:
        logger.warning("PDF-en ble laget i én prosess: %s", error)
        return None
    finally:
        # The child first: a relay blocked on a child that stopped reading lets go once the
        # child is gone, and only then can the pipe be closed.
        _end_child(pid)
        sender.close()
        os.close(from_child)


def _only_renderer() -> bool:
    """Whether this is the only thread that may be inside WeasyPrint, Pango or fontconfig.

    A fork copies only the thread that forks, and every lock as it is at that moment: a
    lock another thread held in Pango would never be released in the child. So the PDF is
    halved only where no other thread may render: the `report` command, and a web worker
    that serves one request at a time (gunicorn's sync workers). A threaded server (the
    development server, gunicorn's gthread workers) renders whole."""
    current = threading.current_thread()
    return all(t is current or t.name in QUIET_THREADS for t in threading.enumerate())


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _parent(first: pdf.Page, sender: _Sender, from_child: int) -> bytes:
    def exchange(pages: int) -> tuple[int, int]:
        kind, payload = _read(from_child)
        if kind != b"P":
            raise HalfFailed(_said(kind, payload))
        theirs = int(payload)
        sender.send(b"N", f"{pages} {pages + theirs}".encode())
        return 0, pages + theirs

    _local.exchange = exchange
    try:
        mine = pdf.render_page(first)
    finally:
        _local.exchange = None
    # While the child finishes its half (it usually ends last): pypdf imported, this half read,
    # and the garbage of this half's layout collected (91,000 objects in cycles for a
    # municipal PDF: 0.03 s, which a pass at the end of the caller's pause would take).
    joining = _Joining(mine)
    gc.collect(0)
    kind, payload = _read(from_child)
    if kind != b"D":
        raise HalfFailed(_said(kind, payload))
    return joining.finish(payload)


def _child(second: pdf.Page, commands: int, answers: int) -> None:
    code = 0
    try:
        charts: dict[str, bytes] = {}
        numbering: list[tuple[int, int]] = []

        def until(wanted) -> None:
            while not wanted():
                kind, payload = _read(commands)
                if kind == b"C":
                    url, _, svg = payload.partition(b"\n")
                    charts[url.decode()] = svg
                elif kind == b"N":
                    offset, total = map(int, payload.split())
                    numbering.append((offset, total))
                elif kind == b"E":
                    raise HalfFailed(payload.decode(errors="replace"))
                else:
                    raise HalfFailed(f"unknown message {kind!r}")

        def exchange(pages: int) -> tuple[int, int]:
            _write(answers, b"P", str(pages).encode())
            until(lambda: numbering)
            return numbering[0]

        def chart(url: str) -> str:
            until(lambda: url in charts)
            return charts[url].decode()

        _local.exchange = exchange
        for url, pending in second.charts.items():
            pending.result = lambda url=url: chart(url)  # read from the pipe, not the helper
        _write(answers, b"D", pdf.render_page(second))
    except BaseException as error:  # reported to the parent, which renders the whole page
        code = 1
        try:
            _write(answers, b"E", f"{type(error).__name__}: {error}".encode())
        except OSError:
            pass
    finally:
        os._exit(code)


class _Sender:
    """Frames to the child from two threads (charts, the page numbers), one at a time."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lock = threading.Lock()
        self.closed = False

    def send(self, kind: bytes, payload: bytes) -> None:
        with self.lock:
            if not self.closed:
                _write(self.fd, kind, payload)

    def charts(self, charts: dict) -> None:
        try:
            for url, pending in charts.items():
                self.send(b"C", url.encode() + b"\n" + pending.result().encode())
        except OSError:  # the child has ended: the parent hears of it
            pass
        except Exception as error:  # a chart that cannot be had: the child stops at once
            with contextlib.suppress(OSError):
                self.send(b"E", f"{type(error).__name__}: {error}".encode())

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                os.close(self.fd)


def _write(fd: int, kind: bytes, payload: bytes) -> None:
    data = memoryview(_HEADER.pack(kind, len(payload)) + payload)
    while data:
        data = data[os.write(fd, data) :]


def _read(fd: int) -> tuple[bytes, bytes]:
    kind, length = _HEADER.unpack(_read_exactly(fd, _HEADER.size))
    return kind, _read_exactly(fd, length)


def _read_exactly(fd: int, size: int) -> bytes:
    parts, left = [], size
    deadline = time.monotonic() + ANSWER_SECONDS
    while left:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise HalfFailed("no answer in time")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise HalfFailed("the other process ended")
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _said(kind: bytes, payload: bytes) -> str:
    return payload.decode(errors="replace") if kind == b"E" else f"unexpected {kind!r}"


def _end_child(pid: int) -> None:
    for _ in range(50):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)


def _wrap_margin_boxes() -> None:
    global _wrapped
    with _wrap_lock:
        if _wrapped:
            return
        from weasyprint import layout

        original = layout.make_margin_boxes

        def numbered(context, page, state):
            exchange = getattr(_local, "exchange", None)
            if exchange is None:
                return original(context, page, state)
            numbers = getattr(context, "brukerplan_numbers", None)
            if numbers is None:
                numbers = context.brukerplan_numbers = exchange(state[1]["pages"][0])
            offset, total = numbers
            values = {**state[1], "page": [n + offset for n in state[1]["page"]]}
            values["pages"] = [total]
            return original(context, page, (state[0], values, *state[2:]))

        layout.make_margin_boxes = numbered
        _wrapped = True


def join(first: bytes, second: bytes) -> bytes:
    """The two halves as one PDF: pages, bookmarks (the second's under the first's top
    one), title and language."""
    return _Joining(first).finish(second)


class _Joining:
    """The first half read and its pages and bookmarks taken, before the second is there."""

    def __init__(self, first: bytes) -> None:
        from pypdf import PdfReader, PdfWriter

        self.first = PdfReader(io.BytesIO(first))
        self.writer = PdfWriter()
        self.writer.append(self.first, import_outline=False)
        self.top = _outline(self.writer, self.first, self.first.outline, 0, None)

    def finish(self, second: bytes) -> bytes:
        from pypdf import PdfReader
        from pypdf.generic import NameObject

        first, writer = self.first, self.writer
        reader = PdfReader(io.BytesIO(second))
        writer.append(reader, import_outline=False)
        _outline(writer, reader, reader.outline, len(first.pages), self.top)
        if first.metadata:
            writer.add_metadata({k: v for k, v in first.metadata.items() if k != "/Producer"})
        language = first.trailer["/Root"].get("/Lang")
        if language is not None:
            writer._root_object[NameObject("/Lang")] = language
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


def _outline(writer, reader, items, offset: int, parent):
    last = None
    for item in items:
        if isinstance(item, list):
            _outline(writer, reader, item, offset, last)
        else:
            page = reader.get_destination_page_number(item) + offset
            last = writer.add_outline_item(title=item.title, page_number=page, parent=parent)
    return last
