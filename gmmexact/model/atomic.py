"""Writing an output file whole or not at all, and never over one of the command's inputs.

Every file gmmexact writes goes through :func:`write_atomic`: the bytes go to a temporary file in
the same folder, which is then renamed over the target (``os.replace``, atomic on POSIX and
Windows). An interrupted run (Ctrl-C, a full disk, a crash) leaves the old file as it was and no
half-written one. Failures become an :class:`~gmmexact.model.errors.InputError` naming the file and
what is wrong with the place (missing folder, a folder, no permission, disk full).

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "out.txt")
>>> write_atomic(path, "hello\\n")
>>> open(path).read()
'hello\\n'
>>> write_atomic(os.path.join(folder, "missing", "out.txt"), "x")
Traceback (most recent call last):
...
gmmexact.model.errors.InputError: ...: its folder ... does not exist; expected an existing folder
"""
from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from .errors import InputError


def check_writable(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike | None] = (),
                   user_file: bool = False, force: bool = False, option: str | None = None) -> Path:
    """Refuse a bad output place before any work is done; return the target path.

    ``inputs`` are the command's input files: the output may never be one of them (with or
    without ``force``). A ``user_file`` (a claims template, a draft a person edits) that exists is
    only replaced with ``force``. A device, a pipe or a socket is refused: writing whole would
    replace it.
    """
    target = Path(path)
    field = option
    if "\0" in str(path):
        raise InputError(str(path).replace("\0", "\\0"), field, "holds a NUL character", "a file name")
    try:
        for source in inputs:
            if source is not None and _same_file(target, Path(source)):
                raise InputError(str(path), field, "is one of this command's input files",
                                 "another output name (an input is never written over)")
        if target.is_dir():
            raise InputError(str(path), field, "is a folder", "a file name")
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.exists():
            raise InputError(str(path), field, f"its folder {parent} does not exist", "an existing folder")
        if not parent.is_dir():
            raise InputError(str(path), field, f"{parent} is not a folder", "a path inside an existing folder")
        if target.exists() and not stat.S_ISREG(os.stat(target).st_mode):
            raise InputError(str(path), field, "is not a regular file (a device, a pipe or a socket), which "
                             "writing the output whole would replace", "a file name")
    except OSError as e:
        raise InputError(str(path), field, f"cannot be written: {_reason(e)}", _remedy(e)) from None
    except (RuntimeError, ValueError):  # a loop of symbolic links; a NUL character
        raise InputError(str(path), field, "is not a usable file name (a loop of symbolic links, or a NUL "
                         "character)", "a file name") from None
    if user_file and target.exists() and not force:
        raise InputError(str(path), field, "already exists (a file you may have edited)",
                         "another name, or --force to overwrite it")
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def write_atomic(path: str | os.PathLike, content: str | bytes | Callable[[str], None], *,
                 option: str | None = None) -> None:
    """Write ``content`` (text as UTF-8, bytes, or a function that writes to the path it is given).

    A function lets a library that insists on writing its own file (matplotlib's ``savefig``,
    pdflatex) write to the temporary name; the rename then happens only if it succeeds.
    """
    target = check_writable(path, option=option)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".part", dir=target.parent or ".")
    except OSError as e:
        raise InputError(str(path), option, f"cannot be written: {_reason(e)}", _remedy(e)) from None
    try:
        if callable(content):
            os.close(fd)
            fd = -1
            content(tmp)
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            with os.fdopen(fd, "wb") as f:
                fd = -1
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        try:
            mode = os.stat(target).st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
            os.chmod(tmp, mode)
        except OSError:
            pass
        os.replace(tmp, target)
    except OSError as e:
        raise InputError(str(path), option, f"cannot be written: {_reason(e)}", _remedy(e)) from None
    finally:
        if fd >= 0:
            os.close(fd)
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        return "the disk is full"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if e.errno == errno.EROFS:
        return "the file system is read-only"
    if e.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    return e.strerror or str(e)


def _remedy(e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        return "free space on that disk, or another place"
    return "a writable place"
