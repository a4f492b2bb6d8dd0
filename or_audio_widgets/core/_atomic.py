"""Writing a file so that it is either wholly the new content or left as it was.

The content goes to a temporary file in the same folder (same file system, so the rename is atomic),
is flushed to disk, and only then replaces the target. A failure on the way (no ffmpeg for the encoding,
a full disk, Ctrl-C) removes the temporary file and leaves an existing target untouched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write`` with a binary file that becomes ``path`` once it returned; returns the path.

    An existing file keeps its permissions; a new one gets the usual ones (0666 less the umask).
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    # os.open with 0o666 applies the umask, as open() would for a new file
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, os.stat(target).st_mode & 0o7777)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target
