"""Logs in the user log folder and crash reports: real files, real exceptions, a real segfault."""

from __future__ import annotations

import logging
import os
import platform
import re
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from examsite import __version__, logs
from examsite.config import Paths

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def restore_logging_and_hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test may install handlers and hooks; put the process back as it was."""
    root = logging.getLogger()
    level = root.level
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    yield
    logs.close_logging()
    logs.disable_native_crash_log()
    root.setLevel(level)


def _boom(message: str) -> logs.ExcInfo:
    """A real exception with a real traceback through a named function."""

    def inner_function_that_fails() -> None:
        raise ValueError(message)

    try:
        inner_function_that_fails()
    except ValueError as exc:
        return (ValueError, exc, exc.__traceback__)
    raise AssertionError("unreachable")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- logging -----------------------------------------------------------------------------------


def test_log_goes_to_the_log_folder_created_at_the_first_record(paths: Paths) -> None:
    log_file = logs.setup_logging(paths, console=False)
    assert log_file == paths.logs / "examsite.log"
    # Nothing is created until something is logged (read-only commands leave no trace).
    assert not paths.logs.exists()
    logging.getLogger("examsite.test").info("first line 你好")
    logging.getLogger("examsite.test").debug("not at INFO")
    text = log_file.read_text(encoding="utf-8")
    assert re.search(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO +examsite\.test \[MainThread\] first line 你好$",
        text,
        re.M,
    )
    assert "not at INFO" not in text
    assert _mode(log_file) == 0o600


def test_verbose_logs_debug_and_a_second_setup_replaces_the_first(paths: Paths) -> None:
    logs.setup_logging(paths, console=False)
    log_file = logs.setup_logging(paths, verbose=True, console=False)
    logging.getLogger("examsite.test").debug("debug line")
    assert log_file.read_text(encoding="utf-8").count("debug line") == 1
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_examsite_handler", False)]
    assert len(ours) == 1


def test_close_logging_leaves_other_handlers_alone(paths: Paths) -> None:
    foreign = logging.NullHandler()
    logging.getLogger().addHandler(foreign)
    try:
        logs.setup_logging(paths)
        logs.close_logging()
        handlers = logging.getLogger().handlers
        assert foreign in handlers
        assert not [h for h in handlers if getattr(h, "_examsite_handler", False)]
    finally:
        logging.getLogger().removeHandler(foreign)


def test_console_gets_warnings_only(paths: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup_logging(paths)
    logging.getLogger("examsite.test").info("quiet")
    logging.getLogger("examsite.test").warning("loud")
    err = capsys.readouterr().err
    assert "examsite: WARNING: examsite.test: loud" in err
    assert "quiet" not in err


def test_the_log_rotates_and_keeps_a_bounded_number_of_files(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "MAX_LOG_BYTES", 4096)
    log_file = logs.setup_logging(paths, console=False)
    for i in range(400):
        logging.getLogger("examsite.test").info("line %04d %s", i, "x" * 60)
    files = sorted(paths.logs.glob("examsite.log*"))
    assert [f.name for f in files] == [
        "examsite.log",
        *(f"examsite.log.{n}" for n in range(1, logs.LOG_BACKUPS + 1)),
    ]
    assert all(f.stat().st_size <= 4096 + 200 for f in files)
    assert all(_mode(f) == 0o600 for f in files)
    assert "line 0399" in log_file.read_text(encoding="utf-8")


def test_an_unwritable_log_folder_costs_one_line_and_nothing_else(
    paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    # A file where the folder should be: mkdir fails even for root.
    paths.logs.parent.mkdir(parents=True, exist_ok=True)
    paths.logs.write_text("not a folder")
    logs.setup_logging(paths, console=False)
    for _ in range(3):
        logging.getLogger("examsite.test").info("goes nowhere")
    err = capsys.readouterr().err
    assert err.count("examsite: cannot write the log") == 1
    assert "Traceback" not in err
    assert paths.logs.read_text() == "not a folder"


# --- crash reports ----------------------------------------------------------------------------


def test_a_crash_report_has_the_traceback_version_platform_and_last_log_lines(
    paths: Paths, tmp_path: Path
) -> None:
    log_file = logs.setup_logging(paths, console=False)
    logging.getLogger("examsite.test").info("the step before the crash")
    folder = tmp_path / "crashes"
    report = logs.write_crash_report(_boom("disk went away 42"), folder, context={"qt": "6.x"})
    assert report.parent == folder
    assert re.fullmatch(rf"crash-\d{{8}}T\d{{12}}Z-{os.getpid()}\.txt", report.name)
    text = report.read_text(encoding="utf-8")
    assert text.startswith("examsite crash report\n")
    assert f"version: examsite {__version__}\n" in text
    assert f"platform: {platform.platform()}\n" in text
    assert f"python: {platform.python_version()}" in text
    assert "qt: 6.x\n" in text
    assert "Traceback (most recent call last):" in text
    assert "inner_function_that_fails" in text
    assert "ValueError: disk went away 42" in text
    assert f"last lines of {log_file}:" in text
    assert "the step before the crash" in text
    assert _mode(report) == 0o600
    assert list(folder.glob("*.part")) == []


def test_pending_reports_are_newest_first_and_seen_ones_are_kept_but_not_offered(tmp_path: Path) -> None:
    folder = tmp_path / "crashes"
    assert logs.pending_crash_reports(folder) == []
    first = logs.write_crash_report(_boom("one"), folder)
    second = logs.write_crash_report(_boom("two"), folder)
    assert logs.pending_crash_reports(folder) == [second, first]
    seen = logs.mark_reports_seen([second])
    assert seen == [folder / second.name.replace(".txt", ".seen.txt")]
    assert "ValueError: two" in logs.read_crash_report(seen[0])
    assert logs.pending_crash_reports(folder) == [first]
    # Marking again is harmless.
    assert logs.mark_reports_seen(seen) == seen


def test_only_the_newest_reports_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "KEEP_REPORTS", 3)
    folder = tmp_path / "crashes"
    written = [logs.write_crash_report(_boom(f"crash {i}"), folder) for i in range(5)]
    assert sorted(folder.iterdir()) == written[-3:]


def test_a_report_that_cannot_be_written_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "crashes"
    blocker.write_text("a file, not a folder")
    with pytest.raises(OSError):
        logs.write_crash_report(_boom("x"), blocker)
    assert blocker.read_text() == "a file, not a folder"


def test_report_uncaught_falls_back_to_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "crashes"
    blocker.write_text("a file")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    path = logs.report_uncaught(_boom("fallback"), blocker)
    assert path is not None
    assert path.parent == tmp_path / "tmp" / "examsite-crashes"
    assert "ValueError: fallback" in path.read_text(encoding="utf-8")
    # Neither place writable: no report, and still no exception.
    (tmp_path / "tmp" / "examsite-crashes").rename(tmp_path / "moved")
    (tmp_path / "tmp" / "examsite-crashes").write_text("a file too")
    assert logs.report_uncaught(_boom("nowhere"), blocker) is None


def test_the_excepthooks_report_main_thread_and_worker_thread_bugs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "crashes"
    seen: list[tuple[str, Path | None]] = []
    logs.install_excepthooks(folder, on_report=lambda info, path: seen.append((str(info[1]), path)))
    sys.excepthook(*_boom("main thread bug"))

    def worker() -> None:
        raise RuntimeError("worker thread bug")

    thread = threading.Thread(target=worker, name="store-1")
    thread.start()
    thread.join()
    # A thread ending with sys.exit() is no crash.
    quiet = threading.Thread(target=sys.exit, name="quits")
    quiet.start()
    quiet.join()
    assert [message for message, _ in seen] == ["main thread bug", "worker thread bug"]
    reports = logs.pending_crash_reports(folder)
    assert sorted(p for _, p in seen if p) == sorted(reports)
    texts = [r.read_text(encoding="utf-8") for r in reports]
    assert any("thread: store-1" in t and "RuntimeError: worker thread bug" in t for t in texts)


def test_without_a_window_the_hook_names_the_report_on_stderr_and_ctrl_c_makes_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "crashes"
    logs.install_excepthooks(folder)
    sys.excepthook(*_boom("cli bug"))
    (report,) = logs.pending_crash_reports(folder)
    assert f"examsite: unexpected error (a bug); a report was written to {report}" in capsys.readouterr().err
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as exc:
        sys.excepthook(KeyboardInterrupt, exc, exc.__traceback__)
    assert logs.pending_crash_reports(folder) == [report]
    assert "KeyboardInterrupt" in capsys.readouterr().err


# --- native crashes and the command line, in real processes ------------------------------------


def _run(script: str, env: dict[str, str], args: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *(args or [])],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_segfault_leaves_a_dump_that_the_next_start_turns_into_a_report(tmp_path: Path) -> None:
    folder = tmp_path / "crashes"
    script = """
        import faulthandler, sys
        from pathlib import Path
        from examsite import logs
        print(logs.enable_native_crash_log(Path(sys.argv[1])), flush=True)
        faulthandler._sigsegv()
    """
    result = _run(script, {**os.environ}, [str(folder)])
    assert result.returncode != 0
    dump = Path(result.stdout.strip())
    assert dump.name == f"fault-{dump.stem.split('-')[1]}.log"
    assert "Segmentation fault" in dump.read_text(encoding="utf-8")
    # This process's own (empty) dump is left alone; the dead one becomes a report.
    mine = logs.enable_native_crash_log(folder)
    (report,) = logs.collect_native_crashes(folder)
    assert not dump.exists()
    assert mine is not None
    assert mine.exists()
    text = report.read_text(encoding="utf-8")
    assert "kind: native crash" in text
    assert "NativeCrash: examsite stopped in native code" in text
    assert "Segmentation fault" in text
    assert logs.pending_crash_reports(folder) == [report]
    logs.disable_native_crash_log()
    assert not mine.exists()  # a clean exit removes its empty dump


def test_the_command_line_logs_to_the_data_folder_and_reports_a_bug(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "EXAMSITE_DATA_DIR": str(data)}
    env.pop("EXAMSITE_DB", None)
    ok = _run("import sys; from examsite.cli.main import main; sys.exit(main())", env, ["audit", "verify"])
    assert ok.returncode == 0, ok.stderr
    log_text = (data / "logs" / "examsite.log").read_text(encoding="utf-8")
    assert "Running upgrade" in log_text  # alembic's migration lines reach the file
    # A bug: the store property fails with something that is not an ExamsiteError.
    script = """
        import sys
        from examsite.cli import context
        def broken(self):
            raise RuntimeError("store exploded 42")
        context.CliContext.store = property(broken)
        from examsite.cli.main import main
        sys.exit(main())
    """
    bug = _run(script, env, ["audit", "verify"])
    assert bug.returncode == 1
    match = re.search(r"examsite: unexpected error \(a bug\); a report was written to (\S+)", bug.stderr)
    assert match, bug.stderr
    report = Path(match.group(1))
    assert report.parent == data / "logs" / "crashes"
    text = report.read_text(encoding="utf-8")
    assert "RuntimeError: store exploded 42" in text
    assert "command: -c audit verify" in text
    assert "uncaught exception" in (data / "logs" / "examsite.log").read_text(encoding="utf-8")
