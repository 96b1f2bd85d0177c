"""The recognisers' child processes (engines/offline/child.py): a function run in a new
interpreter, its pipe its lifeline, no multiprocessing resource tracker beside it."""

from __future__ import annotations

import os
from multiprocessing.connection import Connection

import pytest

from captioner.engines.offline.child import ChildProcess
from tests.orphans import live_children, wait_exit

WAIT_S = 60  # a hang guard


def echo(conn: Connection, prefix: str) -> None:
    """The child: answers each message with ``prefix`` + message until the pipe closes."""
    conn.send(("pid", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        conn.send(prefix + message)


@pytest.mark.parametrize("how", ["subprocess", "multiprocessing"])
def test_a_child_runs_its_function_and_leaves_when_its_pipe_closes(how: str) -> None:
    child = ChildProcess(echo, ("heard: ",), "test-echo")
    # multiprocessing is what Windows uses (no pass_fds there); both must behave alike.
    conn = child.start() if how == "subprocess" else child._start_multiprocessing()
    assert conn.poll(WAIT_S)
    kind, pid = conn.recv()
    assert (kind, pid) == ("pid", child.pid) and pid != os.getpid()
    conn.send("hello")
    assert conn.poll(WAIT_S) and conn.recv() == "heard: hello"
    assert child.is_alive()
    conn.close()  # the app is gone, as far as the child can tell
    assert wait_exit(pid, WAIT_S)
    child.join(WAIT_S)
    assert child.exitcode == 0
    child.close()


def test_no_resource_tracker_is_started_for_a_child() -> None:
    before = live_children(b"resource_tracker")
    child = ChildProcess(echo, ("",), "test-echo")
    conn = child.start()
    assert conn.poll(WAIT_S) and conn.recv()[0] == "pid"
    assert live_children(b"resource_tracker") == before  # 13 MB it used to cost
    conn.close()
    child.join(WAIT_S)
    assert child.exitcode == 0


def test_a_killed_child_reports_the_signal() -> None:
    child = ChildProcess(echo, ("",), "test-echo")
    conn = child.start()
    assert conn.poll(WAIT_S) and conn.recv()[0] == "pid"
    child.kill()
    child.join(WAIT_S)
    assert child.exitcode == -9
    with pytest.raises(EOFError):
        conn.recv()
    conn.close()
