"""Rendering in a child process, under a wall-clock and an address-space limit.

A client's inventory decides how much layout work a report takes. Rendering
in a spawned child (no state inherited from a web worker, no forked locks) lets
the parent enforce a deadline by killing it, and ``RLIMIT_AS`` set in the child
turns a runaway allocation into a ``MemoryError`` there instead of the
machine's OOM killer elsewhere. Either way the caller gets a
:class:`RenderError` that says which limit was hit.
"""

from __future__ import annotations

import errno
import multiprocessing
import resource
import traceback
from typing import Any


class RenderError(RuntimeError):
    """Rendering failed; the message says why in words a user can act on."""


class RenderTimeout(RenderError):
    pass


class RenderMemoryError(RenderError):
    pass


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


def _child(conn: Any, plan_report: Any, fmt: str, memory_mb: int | None) -> None:
    try:
        if memory_mb:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from . import render  # imported under the limit, like the rendering itself

        data = render(plan_report, fmt)
        conn.send(("ok", data))
    except BaseException as exc:
        if memory_mb and _out_of_memory(exc):
            conn.send(("memory", f"rendering exceeded the memory limit of {memory_mb} MiB"))
        else:
            conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"))
    finally:
        conn.close()


def run_isolated(plan_report: Any, fmt: str, timeout: float, memory_mb: int | None) -> bytes:
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child, args=(send, plan_report, fmt, memory_mb), daemon=True, name=f"virtplan-report-{fmt}"
    )
    process.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise RenderTimeout(f"rendering the {fmt} report took longer than {timeout:g} s and was stopped")
        try:
            status, payload = receive.recv()
        except EOFError:
            process.join(5)
            code = process.exitcode
            if memory_mb and code is not None and code < 0:
                raise RenderMemoryError(
                    f"the rendering process was killed (signal {-code}); it may have "
                    f"exceeded the memory limit of {memory_mb} MiB"
                ) from None
            raise RenderError(f"the rendering process ended without a result (exit code {code})") from None
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if status == "ok":
        return payload
    if status == "memory":
        raise RenderMemoryError(payload)
    raise RenderError(f"rendering the {fmt} report failed: {payload}")
