"""The ``escalationsim`` command as tests run it: in this process (the default: about a
tenth of the time of a new interpreter, which spends seconds importing before it starts),
or in a subprocess for what only a real process shows (exit codes seen by a shell,
signals, a crash in a worker, an environment of its own).

In process, the command runs as ``main()`` would from the shell: ``sys.argv`` set, output
captured, ``SystemExit`` turned into the exit code, an uncaught exception into a printed
traceback and exit code 1; Hydra's global state, the logging handlers and the warning
filters it installs are put back afterwards.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

FAILPOINT = Path(__file__).parent / "failpoint"


def _run_subprocess(
    module: str, args: list[str], cwd: Path | None, timeout: int, env: dict[str, str]
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@contextlib.contextmanager
def _restored_logging():
    """Remove the handlers and levels a run installs on every logger, after it."""
    manager = logging.Logger.manager
    before = {
        name: (lg.handlers[:], lg.level, lg.propagate)
        for name, lg in manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    root = logging.getLogger()
    root_before = (root.handlers[:], root.level)
    try:
        yield
    finally:
        for name, lg in list(manager.loggerDict.items()):
            if not isinstance(lg, logging.Logger):
                continue
            handlers, level, propagate = before.get(name, ([], logging.NOTSET, True))
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
            lg.disabled = False
        root.handlers[:], _ = root_before
        root.setLevel(root_before[1])


def _run_in_process(
    main, argv0: str, args: list[str], cwd: Path | None
) -> subprocess.CompletedProcess:
    from hydra.core.global_hydra import GlobalHydra

    out, err = io.StringIO(), io.StringIO()
    code: int = 0
    saved_argv, saved_env = sys.argv, dict(os.environ)
    # a process would end with its signal handlers; a sweep refused after it started
    # leaves the sweep's (app.callbacks) installed
    signals = (signal.SIGINT, signal.SIGTERM)
    saved_handlers = [signal.getsignal(s) for s in signals]
    os.environ["HYDRA_FULL_ERROR"] = "0"
    GlobalHydra.instance().clear()
    try:
        with (
            _restored_logging(),
            warnings.catch_warnings(),
            contextlib.chdir(cwd or Path.cwd()),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            sys.argv = [argv0, *args]
            try:
                result = main()
                code = int(result) if isinstance(result, int) else 0
            except SystemExit as exit_:
                if exit_.code is None:
                    code = 0
                elif isinstance(exit_.code, int):
                    code = exit_.code
                else:
                    print(exit_.code, file=sys.stderr)
                    code = 1
            except Exception:  # as the interpreter would: a traceback, exit code 1
                traceback.print_exc()
                code = 1
    finally:
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
        GlobalHydra.instance().clear()
        for sig, handler in zip(signals, saved_handlers, strict=True):
            signal.signal(sig, handler)
    return subprocess.CompletedProcess([argv0, *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _failing(volumes: set[float]):
    """Every replication of a job whose ``volume_per_day`` is in ``volumes`` raises
    while running (what ``tests/failpoint`` does in a subprocess)."""
    from escalationsim.experiment import runner

    run_pair = runner.run_pair

    def failing(cfg, *args, **kwargs):
        volume = getattr(cfg.scenario, "volume_per_day", None)
        if volume in volumes:
            raise RuntimeError(f"injected failure at volume_per_day={volume:g}")
        return run_pair(cfg, *args, **kwargs)

    runner.run_pair = failing
    try:
        yield
    finally:
        runner.run_pair = run_pair


def run_cli(
    args: list[str],
    cwd: Path | None = None,
    timeout: int = 600,
    fail_volumes: str = "",
    subprocess_: bool = False,
) -> subprocess.CompletedProcess:
    """Run ``escalationsim`` with ``args``; in this process unless ``subprocess_``.
    Jobs whose ``scenario.volume_per_day`` is in ``fail_volumes`` (comma-separated)
    crash while running: patched here, or through ``tests/failpoint`` in a subprocess,
    which a sweep whose jobs run in worker processes (the joblib launcher) needs."""
    workers = any("launcher=joblib" in a or "launcher=parallel" in a for a in args)
    if subprocess_ or (fail_volumes and workers):
        env = dict(os.environ, HYDRA_FULL_ERROR="0")
        if fail_volumes:
            env["PYTHONPATH"] = os.pathsep.join([str(FAILPOINT), env.get("PYTHONPATH", "")])
            env["ESCALATIONSIM_FAIL_VOLUMES"] = fail_volumes
        return _run_subprocess("escalationsim.app.cli", args, cwd, timeout, env)
    from escalationsim.app.cli import main

    volumes = {float(v) for v in fail_volumes.split(",") if v}
    with _failing(volumes) if volumes else contextlib.nullcontext():
        return _run_in_process(main, "escalationsim", args, cwd)


def run_report(
    args: list[str], cwd: Path | None = None, subprocess_: bool = False
) -> subprocess.CompletedProcess:
    """Run ``escalationsim-report`` with ``args`` (in this process unless ``subprocess_``)."""
    if subprocess_:
        env = dict(os.environ, HYDRA_FULL_ERROR="0")
        return _run_subprocess("escalationsim.app.report", args, cwd, 600, env)
    from escalationsim.app.report import main

    return _run_in_process(lambda: main(sys.argv[1:]), "escalationsim-report", args, cwd)
