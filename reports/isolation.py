"""Rendering in a child process, under a wall-clock and an address-space limit.

A client's inventory decides how much layout work a report takes. Rendering
in a spawned child (no state inherited from a web worker, no forked locks) lets
the parent enforce a deadline by killing it, and ``RLIMIT_AS`` set in the child
turns a runaway allocation into a ``MemoryError`` there instead of the
machine's OOM killer elsewhere. Either way the caller gets a
:class:`RenderError` that says which limit was hit. The renderer (WeasyPrint
and its shared libraries) is loaded before the limit is set; a child that is
already larger than the limit then says so at once instead of failing
somewhere different on every run.

A child never outlives the server that started it. On Linux it asks the
kernel, first thing, to kill it when its parent dies (``PR_SET_PDEATHSIG``,
through ``prctl``; strictly, when the parent *thread* that started it ends —
a job worker, which lives as long as the server), and ends itself if the
parent is already gone. It also leads a process group of its own, which
:func:`stop_renders` kills (with anything the child may have started) when
the server shuts down. The report itself travels through the pipe only after
that, so no part of a large plan is read by a child not yet tied to its parent.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import gc
import multiprocessing
import os
import resource
import signal
import sys
import threading
import traceback
from typing import Any

PR_SET_PDEATHSIG = 1

#: The render children alive now, so that shutdown can end them.
_children: set[Any] = set()
_children_lock = threading.Lock()
#: Set once the server is shutting down: a render ended by it says so.
_stopping = threading.Event()
STOPPED = "the server stopped while the report was being rendered; request it again"


class RenderError(RuntimeError):
    """Rendering failed; the message says why in words a user can act on."""


class RenderTimeout(RenderError):
    pass


class RenderMemoryError(RenderError):
    pass


class RenderStopped(RenderError):
    """The server (or worker) is shutting down and ended the render: the job may be run again."""


def _out_of_memory(exc: BaseException | None) -> bool:
    """A MemoryError, or a library failing to map memory (dlopen, mmap: ENOMEM;
    an ImportError "failed to map segment from shared object"; a C extension
    whose failed allocation surfaces as "error return without exception set"),
    anywhere in the chain."""
    while exc is not None:
        text = str(exc).lower()
        if (
            isinstance(exc, MemoryError)
            or (isinstance(exc, OSError) and exc.errno == errno.ENOMEM)
            or "cannot allocate memory" in text
            or "failed to map segment" in text
            or (isinstance(exc, SystemError) and "error return without exception set" in text)
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _die_with(parent: int) -> None:
    """Tie this process's life to ``parent``'s (see the module docstring)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    with contextlib.suppress(PermissionError):  # already a group leader (a session of its own)
        os.setpgid(0, 0)
    if os.getppid() != parent:  # the parent died before the kernel was asked: die as its signal would have made us
        os.kill(os.getpid(), signal.SIGKILL)


def _address_space() -> int | None:
    """This process's virtual address space in bytes (what ``RLIMIT_AS`` bounds), where Linux tells it."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return None


def _child(conn: Any, parent: int, memory_mb: int | None) -> None:
    _die_with(parent)
    over_limit = ("memory", f"rendering exceeded the memory limit of {memory_mb} MiB")  # made before it is needed
    try:
        plan_report, fmt = conn.recv()  # the server's own data: read before the limit
        from . import load_renderer, render

        if memory_mb:
            # The renderer's modules and shared libraries are loaded whole before the limit: a
            # library half-mapped under it fails in ways that name anything but memory.
            load_renderer(fmt)
            limit = memory_mb * 1024 * 1024
            used = _address_space()
            if used is not None and used >= limit:  # it cannot render a page: say so now, the same way every time
                conn.send(("memory", f"{over_limit[1]}: the renderer takes {used >> 20} MiB before it starts"))
                return
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        data = render(plan_report, fmt)
        conn.send(("ok", data))
    except BaseException as exc:
        if memory_mb and _out_of_memory(exc):
            # Let go of the failed render (its frames hold the plan and the layout) before answering.
            exc.__traceback__ = None
            del exc
            gc.collect()
            conn.send(over_limit)
        else:
            conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"))
    finally:
        conn.close()


def stop_renders() -> int:
    """Kill every render child of this process, and its process group (at shutdown). Returns how many."""
    _stopping.set()
    with _children_lock:
        children = list(_children)
    for process in children:
        _kill(process)
    return len(children)


def _kill(process: Any) -> None:
    if process.pid is None or process.exitcode is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # not (yet) the leader of its own group
        process.kill()


def run_isolated(plan_report: Any, fmt: str, timeout: float, memory_mb: int | None) -> bytes:
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    process = ctx.Process(
        target=_child, args=(theirs, os.getpid(), memory_mb), daemon=True, name=f"virtplan-report-{fmt}"
    )
    process.start()
    theirs.close()
    with _children_lock:
        _children.add(process)
    expired = threading.Event()

    # The deadline covers everything, sending the plan included: at it, the child is killed
    # and whatever waits on the pipe gets EOF.
    def expire() -> None:
        expired.set()
        _kill(process)

    deadline = threading.Timer(timeout, expire)
    deadline.daemon = True
    deadline.start()
    try:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the child ended early: see below
            ours.send((plan_report, fmt))
        try:
            status, payload = ours.recv()
        except (EOFError, ConnectionResetError):
            if expired.is_set():
                raise RenderTimeout(
                    f"rendering the {fmt} report took longer than {timeout:g} s and was stopped"
                ) from None
            if _stopping.is_set():
                raise RenderStopped(STOPPED) from None
            process.join(5)
            code = process.exitcode
            if memory_mb and code is not None and code < 0:
                raise RenderMemoryError(
                    f"the rendering process was killed (signal {-code}); it may have "
                    f"exceeded the memory limit of {memory_mb} MiB"
                ) from None
            raise RenderError(f"the rendering process ended without a result (exit code {code})") from None
    finally:
        deadline.cancel()
        ours.close()
        if process.is_alive():
            _kill(process)
        process.join(5)
        with _children_lock:
            _children.discard(process)
    if status == "ok":
        return payload
    if status == "memory":
        raise RenderMemoryError(payload)
    raise RenderError(f"rendering the {fmt} report failed: {payload}")
