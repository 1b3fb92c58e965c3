"""The one supervisor of worker processes, on real processes: start, adopt, watch, stop, report."""

import os
import signal
import subprocess
import sys
import time

import pytest

from mass_ide.core import processes
from mass_ide.core.annotation import prelabel
from mass_ide.core.data import datasets
from tests.test_prelabel import unlabel

READY = "ready"
IGNORES_SIGTERM = ("import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                   "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
                   "print('ready', child.pid, flush=True); time.sleep(600)")


def wait_for(condition, *, timeout: float = 60):
    """Wait until ``condition()`` is true (its value), failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)
    return found


def ready_line(log):
    """The words of the line a worker printed once it is ready, or None before it did."""
    lines = log.read_text().splitlines() if log.is_file() else []
    return next((line.split() for line in lines if line.startswith(READY)), None)


def test_a_worker_runs_in_its_own_session_with_stdin_closed_its_env_and_its_output_in_a_log(tmp_path):
    script = ("import os, sys; print('stdin', repr(sys.stdin.read())); print('env', os.environ['MASS_TEST']); "
              "print('group', os.getpgid(0) == os.getpid() == os.getsid(0)); sys.exit(3)")
    log = tmp_path / "logs" / "worker.log"
    worker = processes.start([sys.executable, "-c", script], log=log, env={"MASS_TEST": "yes"})
    assert not worker.adopted
    assert worker.wait(timeout=60) == 3
    assert worker.report() == {"pid": worker.pid, "running": False, "returncode": 3}
    assert log.read_text().splitlines() == ["stdin ''", "env yes", "group True"]
    again = processes.start([sys.executable, "-c", "print('second')"], log=log)  # appended, not overwritten
    assert again.wait(timeout=60) == 0 and log.read_text().splitlines()[-1] == "second"


def test_stop_sends_sigterm_to_the_group_then_sigkill_after_the_grace_period(tmp_path):
    log = tmp_path / "worker.log"
    worker = processes.start([sys.executable, "-c", IGNORES_SIGTERM], log=log)
    grandchild = int(wait_for(lambda: ready_line(log))[1])  # SIGTERM is ignored from here on
    assert worker.report() == {"pid": worker.pid, "running": True, "returncode": None}
    assert worker.stop(grace_s=0.5) == -signal.SIGKILL
    assert not worker.running
    wait_for(lambda: not processes.pid_alive(grandchild))  # SIGKILL went to the whole group
    polite = processes.start([sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(600)"],
                             log=tmp_path / "polite.log")
    wait_for(lambda: ready_line(tmp_path / "polite.log"))
    assert polite.stop(grace_s=60) == -signal.SIGTERM  # it went at SIGTERM, long before the deadline


def test_a_worker_left_by_another_process_is_adopted_watched_and_stopped_by_its_pid():
    orphan = subprocess.Popen([sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(600)"],
                              stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert orphan.stdout.readline() == b"ready\n"
        adopted = processes.adopt(orphan.pid)
        assert adopted.adopted and adopted.report() == {"pid": orphan.pid, "running": True, "returncode": None}
        with pytest.raises(subprocess.TimeoutExpired):
            adopted.wait(timeout=0.1)
        assert adopted.stop(grace_s=30) is None  # its exit code is its parent's to know
        assert not adopted.running and orphan.wait(timeout=30) == -signal.SIGTERM  # not reaped by us
        assert processes.adopt(orphan.pid) is None
    finally:
        orphan.kill()
        orphan.wait()


def test_a_zombie_is_not_alive_and_no_pid_is_not_alive():
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    wait_for(lambda: not processes.pid_alive(exited.pid))  # exited, not reaped yet: a zombie
    assert exited.wait(timeout=30) == 0
    assert not processes.pid_alive(None) and not processes.pid_alive(0)
    processes.stop_pids([None], grace_s=0.1)  # nothing to stop


def test_workers_by_key_report_which_ended_with_their_exit_codes(tmp_path):
    workers = processes.Workers()
    quick = workers.start("quick", [sys.executable, "-c", "import sys; sys.exit(7)"], log=tmp_path / "quick.log")
    slow = workers.start("slow", [sys.executable, "-c", "import time; time.sleep(600)"], log=tmp_path / "slow.log")
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    try:
        assert workers.adopt("orphan", orphan.pid) and not workers.adopt("gone", None)
        assert len(workers) == 3 and workers.adopted == {"orphan": orphan.pid}
        [(key, ended)] = wait_for(workers.ended)
        assert key == "quick" and ended is quick and ended.returncode == 7
        assert set(workers.children) == {"slow"} and workers.ended() == []
        os.kill(orphan.pid, signal.SIGKILL)
        orphan.wait(timeout=30)
        [(key, ended)] = wait_for(workers.ended)
        assert key == "orphan" and ended.adopted and ended.returncode is None
        assert workers.stop_all(grace_s=30) == {"slow": slow.pid}
        assert len(workers) == 0 and slow.returncode == -signal.SIGTERM
    finally:
        orphan.kill()
        orphan.wait()


@pytest.fixture
def patches(trained_patches, tmp_path):
    """The cancer project's tiny registered classifier, with four patches unlabelled."""
    ws, images, _ = trained_patches.copy(tmp_path / "ws")
    unlabel(ws, datasets.all_items(ws, images.id)[:4])
    yield ws, images
    ws.close()


def test_a_pre_label_worker_is_started_watched_and_stoppable_through_the_supervisor(patches):
    ws, images = patches
    job = prelabel.start(ws, images.id, user="ana")
    worker = prelabel.WORKERS.children[(str(ws.root), job["id"])]  # the handle is kept
    assert worker.pid == job["pid"] and worker.wait(timeout=300) == 0
    done = prelabel.latest_job(ws, images.id)
    assert done["status"] == "completed" and done["done"] == 4
    assert (str(ws.root), job["id"]) not in prelabel.WORKERS.children  # reaped and forgotten
    second = prelabel.start(ws, images.id, user="ana")
    stopped = prelabel.stop(ws, second["id"], user="ana", grace_s=30)
    assert stopped["status"] == "failed" and stopped["error"] == "stopped by ana"
    assert not processes.pid_alive(second["pid"]) and (str(ws.root), second["id"]) not in prelabel.WORKERS.children


def test_the_command_lines_torchrun_is_started_and_waited_for_through_the_supervisor(workspace, monkeypatch, capsys):
    from mass_ide import cli
    from mass_ide.cli import run_commands
    from mass_ide.core import runs
    from tests.test_runs import labelled_images

    dataset = labelled_images(workspace)
    started = []
    real_start = processes.start

    def start(command, **options):
        started.append(real_start(command, **options))
        return started[-1]

    quick = [sys.executable, "-c", "import os, sys; sys.exit(5 if os.getpgid(0) == os.getpid() else 1)"]
    monkeypatch.setattr(run_commands, "worker_command", lambda ws, run: quick)  # stands in for torchrun
    monkeypatch.setattr(processes, "start", start)
    code = cli.main(["train", "--workspace", str(workspace.root), dataset.project_id, "--dataset", str(dataset.id),
                     "--nproc", "2"])
    [run] = runs.list_runs(workspace, dataset.project_id)
    assert code == 1 and run["status"] == "failed" and run["error"] == "torchrun exited with code 5"
    assert started[0].report()["returncode"] == 5  # in its own process group, reaped
    assert "failed" in capsys.readouterr().out
