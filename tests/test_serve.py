"""`make serve`: the app under gunicorn with gunicorn.conf.py, as in production."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def get(port: int, path: str, process: subprocess.Popen, timeout: float = 90) -> bytes:
    """The body of a 200 answer, waiting while the server starts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200, (path, response.status)
            return response.read()
        except OSError:
            time.sleep(0.05)
        finally:
            connection.close()
    raise AssertionError(f"no answer to {path}")


def test_gunicorn_runs_two_workers_and_never_the_scheduler(app, database_url, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOIMPACT_")}
    env.update(
        DOIMPACT_DATABASE_URL=database_url,
        DOIMPACT_INSTANCE_PATH=str(tmp_path / "served"),
        DOIMPACT_SECRET_KEY="test-secret-key-that-is-long-enough-0123456789",
        DOIMPACT_MAIL_BACKEND="memory",
        # Even when the environment asks for it, no web process runs the outbox scheduler.
        DOIMPACT_SCHEDULER_IN_WEB="true",
    )
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "wsgi:app"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        body = get(port, "/healthz", server)
        assert b'"database":"ok"' in body.replace(b" ", b"")
        workers = children(server.pid)
        deadline = time.monotonic() + 15  # the second worker may still be forking
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = children(server.pid)
        assert len(workers) == 2
        # The scheduler is a thread: the master and the workers have none but their main one.
        assert [threads(pid) for pid in (server.pid, *workers)] == [1, 1, 1]
        for _ in range(4):  # the requests spread over both workers
            assert b"<html" in get(port, "/?lang=en", server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_web_workers_load_neither_alembic_nor_the_scheduler(database_url, tmp_path):
    """gunicorn.conf.py keeps the migration commands (Alembic) and the scheduler (APScheduler) out
    of the web process: memory no page needs. (The PDF library stays preloaded: certificates are
    made in the workers, and a library loaded before the fork is shared by all of them.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOIMPACT_")}
    env.update(
        DOIMPACT_DATABASE_URL=database_url,
        DOIMPACT_INSTANCE_PATH=str(tmp_path / "served"),
        DOIMPACT_SECRET_KEY="test-secret-key-that-is-long-enough-0123456789",
    )
    heavy = "{'alembic', 'apscheduler', 'flask_migrate'}"
    load = f"import sys, wsgi; print(sorted({heavy} & set(sys.modules)))"

    def loaded(prelude: str) -> str:
        command = [sys.executable, "-c", prelude + load]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert loaded("import runpy; runpy.run_path('gunicorn.conf.py'); ") == "[]"
    # The `flask db` commands and the development server's scheduler still load theirs.
    assert loaded("") == "['alembic', 'flask_migrate']"
    assert "apscheduler" in loaded("import os; os.environ['DOIMPACT_SCHEDULER_IN_WEB'] = 'true'; ")
