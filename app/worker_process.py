"""`router serve`'s background jobs in a child process it supervises (``ROUTER_WORKER_MODE``).

A Python process computes on one core at a time. With the jobs inline, answering (matcher,
ORM, sends) and webhook intake take turns on that core, so at load acknowledgements queue
behind answering. The child is a plain ``router worker --supervised``: the OS runs it on
another core, and at its lower priority (``ROUTER_WORKER_NICE``) intake still comes first
when both want the same one.

No child outlives its server: its stdin is a pipe from us that we never write, so when we
die, even by SIGKILL, it reads end-of-file and stops as on SIGTERM. A child that exits on its
own is restarted with backoff. On shutdown it gets SIGTERM, and SIGKILL after
``stop_timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence

from app.metrics import WORKER_PROCESS_EXITS, forget_process
from app.workers import cancel_and_wait

logger = logging.getLogger("app.worker_process")

WORKER_COMMAND = (sys.executable, "-m", "app.cli", "worker", "--supervised")
RESTART_DELAY_SECONDS = 1.0
RESTART_DELAY_MAX_SECONDS = 30.0
HEALTHY_RUN_SECONDS = 60.0  # a child that ran this long starts its next backoff afresh


class WorkerProcess:
    def __init__(
        self,
        command: Sequence[str] = WORKER_COMMAND,
        *,
        stop_timeout: float = 15.0,
        restart_delay: float = RESTART_DELAY_SECONDS,
    ) -> None:
        self._command = tuple(command)
        self._stop_timeout = stop_timeout
        self._restart_delay = restart_delay
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        """The running child's process id."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    @property
    def returncode(self) -> int | None:
        """How the latest child ended (negative: killed by that signal); None while it runs."""
        return self._process.returncode if self._process is not None else None

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name="worker-process")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _supervise(self) -> None:
        delay = self._restart_delay
        loop = asyncio.get_running_loop()
        while True:
            began = loop.time()
            try:
                # Our session, on purpose: in a session of its own the kernel's autogroup
                # scheduling would share the CPU between the two sessions equally and the
                # child's lower priority would count for nothing against us (measured: ack
                # p99 57-92 ms against 40-53 ms). It ignores Ctrl-C; we stop it in order.
                process = await asyncio.create_subprocess_exec(
                    *self._command, stdin=asyncio.subprocess.PIPE
                )
            except OSError:
                logger.exception("cannot start the worker process")
                code: int | None = None
            else:
                self._process = process
                logger.info("worker process started", extra={"child_pid": process.pid})
                try:
                    code = await process.wait()
                finally:
                    # Cancelled (our shutdown): stop the child before we go.
                    if process.returncode is None:
                        await asyncio.shield(self._terminate(process))
                    forget_process(process.pid)
            WORKER_PROCESS_EXITS.inc()
            if loop.time() - began >= HEALTHY_RUN_SECONDS:
                delay = self._restart_delay
            logger.error(
                "worker process exited with %s; restarting in %.0f s",
                code,
                delay,
                extra={"exit_code": code},
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, RESTART_DELAY_MAX_SECONDS)

    async def _terminate(self, process: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            async with asyncio.timeout(self._stop_timeout):
                await process.wait()
        except TimeoutError:
            logger.warning("worker process ignored SIGTERM; killing it")
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        logger.info("worker process stopped", extra={"exit_code": process.returncode})
