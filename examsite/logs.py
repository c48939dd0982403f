"""Logs in the user log folder, and crash reports for the bugs that escape.

Logs rotate (a few MiB at most) in :attr:`examsite.config.Paths.logs`. An exception that is not an
:class:`~examsite.errors.ExamsiteError` is a bug: it is logged with its traceback and leaves a report
file (traceback, version, platform, the last log lines) in ``<logs>/crashes``; the window offers the
report at the next start. Log files and reports are readable by their owner only, because log lines
can name sites and staff.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import logging
import logging.handlers
import os
import platform
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from examsite import __version__
from examsite.config import Paths
from examsite.fsutil import atomic_write_bytes

__all__ = [
    "CRASH_PREFIX",
    "LOG_FILE_NAME",
    "ExcInfo",
    "close_logging",
    "collect_native_crashes",
    "crash_folder",
    "current_log_file",
    "disable_native_crash_log",
    "enable_native_crash_log",
    "install_excepthooks",
    "log_start",
    "mark_reports_seen",
    "pending_crash_reports",
    "read_crash_report",
    "report_uncaught",
    "setup_logging",
    "write_crash_report",
]

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

LOG_FILE_NAME = "examsite.log"
MAX_LOG_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 5
CRASH_PREFIX = "crash-"
SEEN_SUFFIX = ".seen.txt"
KEEP_REPORTS = 20
LOG_TAIL_LINES = 80
MAX_REPORT_READ = 1024 * 1024
FILE_FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)-8s %(name)s [%(threadName)s] %(message)s"
CONSOLE_FORMAT = "examsite: %(levelname)s: %(name)s: %(message)s"

log = logging.getLogger(__name__)


class _UtcFormatter(logging.Formatter):
    """ISO 8601 times in UTC, so logs from sites in different zones line up with the audit log."""

    def converter(self, timestamp: float | None) -> time.struct_time:
        return time.gmtime(timestamp)

    def __init__(self, fmt: str) -> None:
        super().__init__(fmt, datefmt="%Y-%m-%dT%H:%M:%S")


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """A rotating log created at its first record, readable by its owner only.

    Created late so that a command that logs nothing leaves nothing behind; a folder that cannot
    be written turns the handler off with one line on stderr instead of a traceback per record.
    """

    def __init__(self, filename: Path) -> None:
        super().__init__(
            filename, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=True
        )
        self.failed = False

    def _open(self) -> io.TextIOWrapper:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return io.TextIOWrapper(io.FileIO(fd, "a"), encoding=self.encoding, errors=self.errors)

    def emit(self, record: logging.LogRecord) -> None:
        if self.failed:
            return
        if self.stream is None:
            try:
                self.stream = self._open()
            except OSError as exc:
                self.failed = True
                if sys.stderr is not None:
                    where = self.baseFilename
                    sys.stderr.write(f"examsite: cannot write the log {where} ({exc}); console only\n")
                return
        super().emit(record)


# Handlers this module installed carry this attribute, so a second setup replaces them and leaves
# anybody else's (pytest's capture, an embedding application's) alone.
_MARK = "_examsite_handler"


def crash_folder(paths: Paths) -> Path:
    """Where crash reports go: ``<logs>/crashes``."""
    return paths.logs / "crashes"


def setup_logging(paths: Paths, verbose: bool = False, *, console: bool = True) -> Path:
    """Log to a rotating file in ``paths.logs`` (INFO, or DEBUG when ``verbose``) and warnings to stderr.

    Returns the log file. The folder and file are created at the first record, so a command that
    logs nothing (``examsite rules list``) leaves nothing behind; a folder that cannot be written
    costs one warning on stderr and the application goes on, because a read-only log folder must
    not stop an exam. Calling it again replaces the handlers it installed before.
    """
    close_logging()
    root = logging.getLogger()
    level = logging.DEBUG if verbose else logging.INFO
    root.setLevel(level)
    # A windowed executable on Windows has no stderr at all.
    if console and sys.stderr is not None:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
        stream.setFormatter(logging.Formatter(CONSOLE_FORMAT))
        _install(root, stream)
    log_file = paths.logs / LOG_FILE_NAME
    handler = _PrivateRotatingHandler(log_file)
    handler.setLevel(level)
    handler.setFormatter(_UtcFormatter(FILE_FORMAT))
    # Alembic names each of its plugins at INFO on every start: noise unless asked for.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.DEBUG if verbose else logging.WARNING)
    _install(root, handler)
    return log_file


def log_start(what: str) -> None:
    """One line saying what started, with the version and platform (the first line of a session)."""
    log.info(
        "examsite %s %s: python %s, %s, pid %d",
        __version__,
        what,
        platform.python_version(),
        platform.platform(),
        os.getpid(),
    )


def _install(root: logging.Logger, handler: logging.Handler) -> None:
    setattr(handler, _MARK, True)
    root.addHandler(handler)


def close_logging() -> None:
    """Remove and close the handlers :func:`setup_logging` installed (others are left alone)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()


def current_log_file() -> Path | None:
    """The file the installed rotating handler writes to, if any."""
    for handler in logging.getLogger().handlers:
        if getattr(handler, _MARK, False) and isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def _log_tail(log_file: Path | None, lines: int = LOG_TAIL_LINES) -> list[str]:
    if log_file is None or not log_file.is_file():
        return []
    with log_file.open("rb") as fh:
        # Only the end of the file: a log can be megabytes long.
        fh.seek(max(0, log_file.stat().st_size - 64 * 1024))
        text = fh.read().decode("utf-8", errors="replace")
    return text.splitlines()[-lines:]


def _frozen() -> str:
    return "bundle (PyInstaller)" if getattr(sys, "frozen", False) else "Python environment"


def write_crash_report(
    exc_info: ExcInfo,
    folder: Path,
    *,
    context: Mapping[str, str] | None = None,
    log_file: Path | None = None,
) -> Path:
    """Write a report of an uncaught exception into ``folder`` and return its path.

    The report holds the traceback, the examsite version, Python, the platform, the command line,
    ``context`` (for example the Qt version) and the last lines of ``log_file`` (default: the current
    log). It is written atomically; the oldest reports beyond the newest 20 are removed. Raises
    OSError when ``folder`` cannot be written.
    """
    exc_type, exc, tb = exc_info
    now = datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{CRASH_PREFIX}{now:%Y%m%dT%H%M%S%fZ}-{os.getpid()}.txt"
    header = {
        "time (UTC)": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "version": f"examsite {__version__}",
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "platform": platform.platform(),
        "executable": f"{sys.executable} ({_frozen()})",
        "command": " ".join(sys.argv),
        "thread": threading.current_thread().name,
        **(context or {}),
    }
    lines = ["examsite crash report", "=" * 21, ""]
    lines += [f"{key}: {value}" for key, value in header.items()]
    lines += ["", "".join(traceback.format_exception(exc_type, exc, tb)).rstrip()]
    source = log_file if log_file is not None else current_log_file()
    tail = _log_tail(source)
    if tail:
        lines += ["", f"last lines of {source}:", *tail]
    path = folder / name
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"), mode=0o600)
    _prune(folder)
    return path


def _all_reports(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    # Names start with a UTC timestamp, so name order is time order.
    return sorted(p for p in folder.glob(f"{CRASH_PREFIX}*.txt") if p.is_file())


def _prune(folder: Path) -> None:
    reports = _all_reports(folder)
    for old in reports[: max(0, len(reports) - KEEP_REPORTS)]:
        with contextlib.suppress(OSError):
            old.unlink()


def pending_crash_reports(folder: Path) -> list[Path]:
    """Reports not yet shown to the user, newest first (an empty list if the folder does not exist)."""
    return [p for p in reversed(_all_reports(folder)) if not p.name.endswith(SEEN_SUFFIX)]


def mark_reports_seen(reports: Iterable[Path]) -> list[Path]:
    """Rename shown reports to ``*.seen.txt``: kept, but not offered again. Returns the new paths."""
    renamed = []
    for report in reports:
        if report.name.endswith(SEEN_SUFFIX):
            renamed.append(report)
            continue
        target = report.with_name(report.name.removesuffix(".txt") + SEEN_SUFFIX)
        os.replace(report, target)
        renamed.append(target)
    return renamed


def read_crash_report(path: Path) -> str:
    """The text of a report (at most 1 MiB of it; undecodable bytes shown as U+FFFD)."""
    with path.open("rb") as fh:
        return fh.read(MAX_REPORT_READ).decode("utf-8", errors="replace")


def report_uncaught(
    exc_info: ExcInfo, folder: Path, *, context: Mapping[str, str] | None = None
) -> Path | None:
    """Log an uncaught exception and write its report; never raises.

    When ``folder`` cannot be written the report goes to ``<tmp>/examsite-crashes`` instead; None
    only if that fails too (the traceback is then in the log and on stderr).
    """
    log.critical("uncaught exception", exc_info=exc_info)
    for target in (folder, Path(tempfile.gettempdir()) / "examsite-crashes"):
        try:
            path = write_crash_report(exc_info, target, context=context)
        except OSError as exc:
            log.error("cannot write a crash report to %s: %s", target, exc)
            continue
        log.critical("crash report written to %s", path)
        return path
    return None


def install_excepthooks(
    folder: Path, on_report: Callable[[ExcInfo, Path | None], None] | None = None
) -> None:
    """Route uncaught exceptions of the main thread and of other threads into crash reports.

    ``on_report`` is called after the report was written (the window shows a dialog); without it the
    report's path goes to stderr (the traceback is logged there already). Ctrl-C keeps Python's own
    handling.
    """

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        info: ExcInfo = (exc_type, exc, tb)
        path = report_uncaught(info, folder)
        if on_report is not None:
            on_report(info, path)
        elif sys.stderr is not None:
            # The traceback is already on stderr through the log; add where the report is.
            where = f"a report was written to {path}" if path else "no report could be written"
            sys.stderr.write(f"examsite: unexpected error (a bug); {where}\n")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        # Like Python's own hook: a thread that calls sys.exit() ends quietly.
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook


# --- native crashes (a segfault in Qt or FFmpeg): no Python exception, so no excepthook runs ---

FAULT_PREFIX = "fault-"
_fault_file: IO[Any] | None = None
_fault_path: Path | None = None


class NativeCrash(Exception):
    """Stands for a crash of native code found at the next start; its message is faulthandler's dump."""


def collect_native_crashes(folder: Path) -> list[Path]:
    """Turn the non-empty faulthandler dumps of earlier runs into crash reports; returns the reports.

    A dump of this process, or one another running instance holds open, is left alone.
    """
    reports: list[Path] = []
    if not folder.is_dir():
        return reports
    for dump in sorted(folder.glob(f"{FAULT_PREFIX}*.log")):
        if _fault_path is not None and dump == _fault_path:
            continue
        try:
            text = dump.read_bytes()[:MAX_REPORT_READ].decode("utf-8", errors="replace").strip()
        except OSError:
            continue
        if text:
            crash = NativeCrash(
                f"examsite stopped in native code (process {dump.stem[len(FAULT_PREFIX) :]}):\n{text}"
            )
            reports.append(
                write_crash_report((NativeCrash, crash, None), folder, context={"kind": "native crash"})
            )
        # Windows refuses to remove a file another instance holds open: that run is still going.
        with contextlib.suppress(OSError):
            dump.unlink()
    return reports


def enable_native_crash_log(folder: Path) -> Path | None:
    """Have Python's faulthandler write the stacks of a fatal signal to ``<folder>/fault-<pid>.log``.

    The file stays empty unless the process dies in native code; :func:`collect_native_crashes` at
    the next start turns it into a report. Returns the file, or None if it cannot be created.
    """
    global _fault_file, _fault_path
    if _fault_path is not None:
        return _fault_path
    path = folder / f"{FAULT_PREFIX}{os.getpid()}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        log.warning("cannot record native crashes in %s: %s", folder, exc)
        return None
    # Kept open for the whole run: faulthandler writes to its descriptor from a signal handler.
    _fault_file = open(fd, "w", encoding="utf-8")  # noqa: SIM115
    _fault_path = path
    faulthandler.enable(_fault_file, all_threads=True)
    return path


def disable_native_crash_log() -> None:
    """Stop recording native crashes and remove this run's empty dump (a clean exit)."""
    global _fault_file, _fault_path
    if _fault_file is None or _fault_path is None:
        return
    faulthandler.disable()
    path = _fault_path
    _fault_file.close()
    _fault_file = _fault_path = None
    with contextlib.suppress(OSError):
        if path.stat().st_size == 0:
            path.unlink()
