"""One model in memory for the live and the final decoder: the final one is forked off.

A PocketSphinx decoder holds ~85 MB of its own (the language model's trie,
the dictionary's tree, the acoustic model), read into the heap of each
process that loads it: while the offline engine captioned, the live
recogniser and the final-decode process each held a copy, ~320 MB for the
app's family where the issue 14 budget is the model plus 80 MB.  Instead, the
live recogniser process, whose model is loaded (and warmed) by the time a run
begins, forks the final-decode worker: the two share every page neither
writes.  Measured (/work/notes/s25/cow_probe.py): after decoding 25 s of
speech the forked process had written 22 MB of its own, the other 66 MB of
the decoder stayed shared.

The final decoder differs from the live one only in its cepstral-mean
normalisation (``cmn``: batch), which :meth:`Decoder.reinit_feat` changes
without reloading the model; the same words as a decoder loaded with
``cmn=batch`` on every clip of ``tests/data``.  Any other difference (a test
or benchmark's own final settings) and the final process loads its own model,
as everywhere but Linux: the worker is a grandchild of the app, watched
through a pidfd (Linux ≥ 5.3), not a child it could wait for.

The live recogniser never waits for the worker: one that ends while the
recogniser runs stays a zombie until then (one process-table entry, no
memory), so the app can still read how it ended (``/proc/PID/stat``: "killed
by signal 9" in the log, as for a child of its own); the recogniser's own end
hands it to init, which reaps it.  The worker closes the recogniser's pipe at
once (the app must see that pipe close when the recogniser dies) and leaves
with ``os._exit`` whatever happens, never returning into the recogniser's loop.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import sys
from collections.abc import Mapping
from multiprocessing import reduction
from multiprocessing.connection import Connection
from typing import Any

from captioner.process_name import OFFLINE_FINAL, name_this_process

# Where the final worker may be forked off the live recogniser.
AVAILABLE = sys.platform == "linux" and hasattr(os, "pidfd_open")
# The settings reinit_feat() applies without reloading the model.
_FRONT_END = frozenset({"cmn"})


def front_end_change(live: Mapping[str, Any], final: Mapping[str, Any]) -> dict[str, Any] | None:
    """What turns the live decoder into the final one, or None if it takes another model load."""
    return _change(live, final, _FRONT_END) if AVAILABLE else None


def _change(
    made_with: Mapping[str, Any], wanted: Mapping[str, Any], allowed: frozenset[str]
) -> dict[str, Any] | None:
    """The settings ``wanted`` sets otherwise than ``made_with``, if all are ``allowed``.

    None when one is not, or when ``made_with`` sets one that ``wanted`` leaves
    to the model (its value there is the model's, which these mappings do not say).
    """
    keys = set(made_with) | set(wanted)
    change = {key: wanted.get(key) for key in keys if made_with.get(key) != wanted.get(key)}
    return change if all(key in allowed and key in wanted for key in change) else None


# What each n-gram search of a decoder reads for itself when it is made: a second search
# with other values shares the decoder's acoustic model, dictionary and language model.
_SEARCH = frozenset(
    {"fwdflat", "bestpath", "maxhmmpf", "maxwpf", "beam", "wbeam", "pbeam", "lpbeam"}
    | {"lponlybeam", "fwdflatbeam", "fwdflatwbeam", "lw", "fwdflatlw", "bestpathlw", "wip", "pip"}
)


def second_search(
    decoder: Any, made_with: Mapping[str, Any], params: Mapping[str, Any], name: str
) -> contextlib.AbstractContextManager[Any]:
    """A decoder for ``params`` (``with`` it: decodes go to it) sharing ``decoder``'s model.

    ``decoder`` was made with ``made_with``.  The noisy-speech finals
    (PocketSphinx's own search settings, model.NOISY_FINAL_PARAMS) loaded a
    whole second decoder in the final process, ~85 MB for the rest of the run;
    a second search of the same decoder costs ~28 MB and 0.2 s, with the same
    words on all 63 noisy utterances of the test clips under noise and music
    (probe, 25th session).  Only where the two sets differ in search settings
    that ``params`` names; else a decoder of its own, as before.
    """
    from captioner.engines.offline.model import new_decoder

    change = _change(made_with, params, _SEARCH)
    if change is None:
        return contextlib.nullcontext(new_decoder(params))
    config = decoder.config
    default, kept = decoder.current_search(), {key: config[key] for key in change}
    try:
        for key, value in change.items():  # read by the search made now, and only by it
            config[key] = value
        decoder.add_lm(name, decoder.get_lm())
    finally:
        for key, value in kept.items():
            config[key] = value
    return _Search(decoder, name, default)


class _Search:
    """``with`` it: the decoder with search ``name`` active, its default one again after."""

    def __init__(self, decoder: Any, name: str, default: str) -> None:
        self._decoder, self._name, self._default = decoder, name, default

    def __enter__(self) -> Any:
        self._decoder.activate_search(self._name)
        return self._decoder

    def __exit__(self, *_exc: object) -> None:
        self._decoder.activate_search(self._default)


# -- in the live recogniser process --------------------------------------------------------


def fork_final(conn: Connection, decoder: Any, request: tuple[Any, ...]) -> None:
    """Fork a final-decode worker off ``decoder``; send the app its pid and its pipe.

    ``request`` is ``(change, final_params, noisy_params, denoise)``.  When the
    fork fails (no memory for the page tables, a process limit) the app is told
    why instead, and the recogniser goes on: the final process loads a model.
    """
    change, final_params, noisy_params, denoise = request
    ours = theirs = None
    try:
        ours, theirs = socket.socketpair()
        pid = os.fork()
    except OSError as exc:
        for end in (ours, theirs):
            if end is not None:
                end.close()
        conn.send(("forked", (None, f"{type(exc).__name__}: {exc}")))
        return
    if pid == 0:  # the worker: never returns
        try:
            ours.close()
            conn.close()  # the recogniser's pipe must close when the recogniser goes
            name_this_process(OFFLINE_FINAL)  # not the recogniser's name, which it inherited
            from captioner.engines.offline.final_process import NICE_INCREMENT, serve_decoder

            with contextlib.suppress(OSError):
                os.nice(NICE_INCREMENT)  # as a final process started on its own
            for key, value in change.items():
                decoder.config[key] = value
            decoder.reinit_feat()
            pipe = Connection(theirs.detach())
            serve_decoder(pipe, decoder, final_params, noisy_params, denoise)
        finally:
            os._exit(0)
    theirs.close()
    try:
        conn.send(("forked", (pid, "")))
        reduction.send_handle(conn, ours.fileno(), pid)
    finally:
        ours.close()


# -- in the app ------------------------------------------------------------------------------


def receive_pipe(conn: Connection) -> Connection:
    """The worker's pipe, sent right after its pid."""
    return Connection(reduction.recv_handle(conn))


def watch(pid: int, pipe: Connection) -> ForkedWorker:
    """A handle on the worker; OSError (its pipe closed: it exits) where the kernel has
    no pidfd (Linux < 5.3): the final process then loads a model of its own."""
    try:
        return ForkedWorker(pid)
    except OSError:
        pipe.close()
        raise


class ForkedWorker:
    """The part of :class:`~captioner.engines.offline.child.ChildProcess` the final
    process uses, for a process that is not the app's child (watched by pidfd).

    Its exit status is its parent's to reap, not ours: ``exitcode`` reads it
    while it is a zombie (see the module docstring), else says only whether
    we killed it.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.name = "captioner-offline-final"
        self._pidfd: int | None = os.pidfd_open(pid)
        self._killed = False
        self._code: int | None = None

    def is_alive(self) -> bool:
        if self._pidfd is not None and self._gone(0):
            self.close()
        return self._pidfd is not None

    def join(self, timeout: float | None = None) -> None:
        if self._pidfd is not None and self._gone(timeout):
            self.close()

    def kill(self) -> None:
        if self._pidfd is not None:
            with contextlib.suppress(OSError):
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
                self._killed = True

    @property
    def exitcode(self) -> int | None:
        if self.is_alive():
            return None
        if self._code is None and self._killed:
            return -signal.SIGKILL
        return self._code

    def close(self) -> None:
        """Let go of the pidfd (once it is gone: its exit status is read first)."""
        if self._pidfd is None:
            return
        with contextlib.suppress(OSError):
            if self._gone(0):
                self._code = _zombie_status(self.pid)
                self._reap_if_ours()
        os.close(self._pidfd)
        self._pidfd = None

    def _reap_if_ours(self) -> None:
        """Reap it if it became our child: orphaned (its recogniser ended first, the
        usual order at run end) where the app is init (PID 1 in a container) or a
        subreaper, it stayed a zombie for the rest of the app's life, one per run.
        Otherwise it is the recogniser's or init's to reap, and ``waitid`` says so.
        """
        by_pidfd = getattr(os, "P_PIDFD", None)  # Linux 5.4
        if by_pidfd is not None and self._pidfd is not None:
            with contextlib.suppress(OSError):  # ChildProcessError: not ours
                os.waitid(by_pidfd, self._pidfd, os.WEXITED | os.WNOHANG)

    def _gone(self, timeout: float | None) -> bool:
        assert self._pidfd is not None
        ready, _, _ = select.select([self._pidfd], [], [], timeout)
        return bool(ready)


def _zombie_status(pid: int) -> int | None:
    """How a process that ended but was not reaped yet ended (as ``Popen.returncode``)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if not fields or fields[0] != b"Z" or len(fields) < 50:
        return None  # reaped (and maybe reused), or a kernel without the field
    try:
        return os.waitstatus_to_exitcode(int(fields[-1]))
    except ValueError:  # not a status waitpid would give
        return None
