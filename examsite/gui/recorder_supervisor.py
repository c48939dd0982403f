"""Runs the recorder (``examsite record``) as a child process and keeps it running.

Recording lives in its own process so that a busy or frozen window never drops a frame: the GUI
only watches it. If the recorder dies (a crash, ``kill -9``, an FFmpeg abort) it is started again
after a capped, doubling delay; a recorder that ran for a while restarts quickly again. Every gap the
death leaves is explained by the recorder itself when it comes back (``recorder_stopped``, 管理办法
art. 8(3): every second is recorded or a gap with a reason).

Lifetime: the recorder runs while the app runs. Quitting the app stops it with SIGTERM (the recorder
seals its open segments and exits); closing the window does the same. If the app itself is killed,
the orphaned recorder keeps recording; the next app start finds it by its pid file and adopts it
instead of starting a second recorder on the same folders.

The store URL is handed over in the child's environment (``EXAMSITE_DB``), not on its command line,
where other users of the machine could read a database password with ``ps``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections import deque
from pathlib import Path

from examsite.config import Paths
from examsite.gui.qt import QObject, QProcess, QProcessEnvironment, QTimer, Signal
from examsite.gui.signals import emit

PID_FILE = "recorder.pid"


class RecorderState:
    """The states the supervisor reports through ``state_changed``."""

    STARTING = "starting"
    RECORDING = "recording"
    RESTARTING = "restarting"
    STOPPED = "stopped"


def _pid_alive_recorder(pid: int) -> bool:
    """True when ``pid`` is a running ``examsite ... record`` process (POSIX; checked via /proc)."""
    if pid <= 0 or sys.platform.startswith("win"):
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            return False
        return b"examsite.cli.main" in args and b"record" in args
    return True  # no /proc (macOS): trust the pid file written by our own supervisor


class RecorderSupervisor(QObject):
    """Starts ``examsite record``, restarts it when it dies, stops it on quit.

    ``record_args`` are appended to ``record`` (e.g. ``["--segment-seconds", "2"]``).
    """

    state_changed = Signal(str)
    #: The recorder died without being asked: its exit code (or -signal number for a kill).
    crashed = Signal(int)
    #: A translated one-line status for the status bar.
    status_changed = Signal(str)

    def __init__(
        self,
        paths: Paths,
        db_url: str,
        parent: QObject | None = None,
        *,
        record_args: list[str] | None = None,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        stable_after: float = 30.0,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.db_url = db_url
        self.record_args = list(record_args or [])
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.stable_after = stable_after
        self.state = RecorderState.STOPPED
        self.restarts = 0
        self.last_exit: int | None = None
        self._backoff = backoff_initial
        self._started_mono = 0.0
        self._wanted = False
        self._process: QProcess | None = None
        self._finished_processes: list[QProcess] = []
        self._adopted_pid: int | None = None
        self._stdout_tail = b""
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._restart_timer = QTimer(self)
        self._restart_timer.setSingleShot(True)
        self._restart_timer.timeout.connect(self._spawn)
        # An adopted recorder is not our child: its death is noticed by polling.
        self._adopt_timer = QTimer(self)
        self._adopt_timer.setInterval(1000)
        self._adopt_timer.timeout.connect(self._check_adopted)

    # -- public -------------------------------------------------------------------------------
    @property
    def pid_file(self) -> Path:
        return self.paths.data_dir / PID_FILE

    @property
    def pid(self) -> int | None:
        """The recorder's process id while one runs."""
        if self._adopted_pid is not None:
            return self._adopted_pid
        if self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning:
            return int(self._process.processId())
        return None

    @property
    def last_error(self) -> str:
        """The recorder's last line on stderr (its one-line error, when it failed to start)."""
        return self._stderr_tail[-1] if self._stderr_tail else ""

    def command(self) -> list[str]:
        """The recorder's command line (same Python, same package)."""
        return [
            sys.executable,
            "-m",
            "examsite.cli.main",
            "--data-dir",
            str(self.paths.data_dir),
            "record",
            *self.record_args,
        ]

    def start(self) -> None:
        """Start recording (or adopt a recorder left running by an earlier app that was killed)."""
        if self._wanted:
            return
        self._wanted = True
        self._backoff = self.backoff_initial
        pid = self._read_pid_file()
        if pid is not None and _pid_alive_recorder(pid):
            self._adopted_pid = pid
            self._adopt_timer.start()
            self._set_state(RecorderState.RECORDING)
            return
        self._spawn()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the recorder with SIGTERM and wait for it to seal its segments; kill it after ``timeout``.

        Returns True when it exited on its own. Blocks the caller: meant for quitting the app.
        """
        self._wanted = False
        self._restart_timer.stop()
        self._adopt_timer.stop()
        clean = True
        if self._adopted_pid is not None:
            clean = self._stop_adopted(self._adopted_pid, timeout)
            self._adopted_pid = None
        process = self._process
        if process is not None and process.state() != QProcess.ProcessState.NotRunning:
            process.terminate()  # SIGTERM on POSIX: the recorder closes its segments and exits 0
            if not process.waitForFinished(int(timeout * 1000)):
                clean = False
                process.kill()
                process.waitForFinished(5000)
        self._remove_pid_file()
        self._set_state(RecorderState.STOPPED)
        return clean

    def status_text(self) -> str:
        """What the status bar shows for the current state."""
        if self.state == RecorderState.RECORDING:
            return self.tr("Recorder: recording (pid %1)").replace("%1", str(self.pid or "?"))
        if self.state == RecorderState.STARTING:
            return self.tr("Recorder: starting…")
        if self.state == RecorderState.RESTARTING:
            text = self.tr("Recorder stopped unexpectedly (exit %1); restarting in %2 s, restart #%3")
            text = (
                text.replace("%1", str(self.last_exit))
                .replace("%2", f"{self._restart_timer.remainingTime() / 1000:.0f}")
                .replace("%3", str(self.restarts))
            )
            if self.last_error:
                text += " — " + self.last_error
            return text
        return self.tr("Recorder: stopped")

    # -- process ------------------------------------------------------------------------------
    def _spawn(self) -> None:
        if not self._wanted:
            return
        # Processes that finished are released here, outside their own signal handlers.
        while self._finished_processes:
            self._finished_processes.pop().deleteLater()
        process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("EXAMSITE_DATA_DIR", str(self.paths.data_dir))
        env.insert("EXAMSITE_DB", self.db_url)
        env.insert("PYTHONUNBUFFERED", "1")
        process.setProcessEnvironment(env)
        process.readyReadStandardOutput.connect(lambda: self._on_stdout(process))
        process.readyReadStandardError.connect(lambda: self._on_stderr(process))
        process.finished.connect(lambda code, status: self._on_finished(process, code, status))
        process.errorOccurred.connect(lambda error: self._on_error(process, error))
        command = self.command()
        self._process = process
        self._stdout_tail = b""
        self._started_mono = time.monotonic()
        self._set_state(RecorderState.STARTING)
        process.start(command[0], command[1:])

    def _on_stdout(self, process: QProcess) -> None:
        self._stdout_tail += bytes(process.readAllStandardOutput().data())
        *lines, self._stdout_tail = self._stdout_tail.split(b"\n")
        for line in lines:
            # record_cmd prints this once its cameras are set up and recording has begun.
            if line.startswith(b"recording ") and process is self._process:
                self._write_pid_file(int(process.processId()))
                self._set_state(RecorderState.RECORDING)

    def _on_stderr(self, process: QProcess) -> None:
        text = bytes(process.readAllStandardError().data()).decode("utf-8", "replace")
        for line in text.splitlines():
            if line.strip():
                self._stderr_tail.append(line.strip())

    def _on_error(self, process: QProcess, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and process is self._process:
            self._stderr_tail.append(process.errorString())
            self._after_exit(process, -1)

    def _on_finished(self, process: QProcess, code: int, status: QProcess.ExitStatus) -> None:
        if process is not self._process:
            return
        self._on_stderr(process)
        if status == QProcess.ExitStatus.CrashExit:
            code = -signal.SIGKILL if code in (0, signal.SIGKILL) else -abs(code)
        self._after_exit(process, code)

    def _after_exit(self, process: QProcess, code: int) -> None:
        self._process = None
        self._finished_processes.append(process)  # kept: deleting it inside its own signal crashes
        self.last_exit = code
        self._remove_pid_file()
        if not self._wanted:
            self._set_state(RecorderState.STOPPED)
            return
        self._schedule_restart(code)

    def _schedule_restart(self, code: int) -> None:
        ran = time.monotonic() - self._started_mono
        if ran >= self.stable_after:
            self._backoff = self.backoff_initial  # it worked for a while: come back at once
        delay = self._backoff
        self._backoff = min(self._backoff * 2, self.backoff_max)
        self.restarts += 1
        self._restart_timer.start(int(delay * 1000))
        self._set_state(RecorderState.RESTARTING)
        emit(self.crashed, code)

    # -- an adopted recorder --------------------------------------------------------------------
    def _check_adopted(self) -> None:
        pid = self._adopted_pid
        if pid is None or _pid_alive_recorder(pid):
            return
        self._adopted_pid = None
        self._adopt_timer.stop()
        self._remove_pid_file()
        self.last_exit = None
        self._started_mono = time.monotonic()
        self._schedule_restart(-1)

    def _stop_adopted(self, pid: int, timeout: float) -> bool:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _pid_alive_recorder(pid):
                return True
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        return False

    # -- pid file -----------------------------------------------------------------------------
    def _read_pid_file(self) -> int | None:
        try:
            return int(self.pid_file.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def _write_pid_file(self, pid: int) -> None:
        with contextlib.suppress(OSError):
            self.pid_file.write_text(f"{pid}\n", encoding="ascii")

    def _remove_pid_file(self) -> None:
        with contextlib.suppress(OSError):
            self.pid_file.unlink()

    def _set_state(self, state: str) -> None:
        changed = state != self.state
        self.state = state
        if changed:
            emit(self.state_changed, state)
        emit(self.status_changed, self.status_text())
