"""Physical memory of a process family, each shared page counted once.

Summed RSS counts every page two processes share twice: Captioner's offline
recognisers are processes of their own, each with libpython, libc and their
Python runtime mapped, so "app RSS + recogniser RSS" overstates what the
family takes from the machine.  This reads each resident page's frame number
from ``/proc/PID/pagemap`` and counts distinct frames.  Frame numbers are only
readable with CAP_SYS_ADMIN (run as root); otherwise the answer is None.
"""

from __future__ import annotations

import os
import struct

from rig import family

PAGE = os.sysconf("SC_PAGE_SIZE")
_PRESENT = 1 << 63
_FRAME = (1 << 55) - 1
_USER_SPACE_END = 1 << 47  # [vsyscall] sits above: not in the pagemap


def family_distinct_mb(pid: int) -> float | None:
    """Memory ``pid`` and its live descendants hold, each page counted once, in MB."""
    frames: set[int] = set()
    for member in family(pid):
        try:
            frames |= resident_frames(member)
        except OSError:  # gone meanwhile
            continue
    frames.discard(0)  # what pagemap reads for every page without CAP_SYS_ADMIN
    return len(frames) * PAGE / 2**20 if frames else None


def resident_frames(pid: int) -> set[int]:
    """The physical frame numbers of ``pid``'s resident pages."""
    frames: set[int] = set()
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for line in maps:
            low, high = (int(x, 16) for x in line.split(None, 1)[0].split("-"))
            if low >= _USER_SPACE_END:
                continue
            pagemap.seek(low // PAGE * 8)
            entries = pagemap.read((high - low) // PAGE * 8)
            frames.update(
                entry & _FRAME for (entry,) in struct.iter_unpack("<Q", entries) if entry & _PRESENT
            )
    return frames
