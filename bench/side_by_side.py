"""Side-by-side benchmark: the portal's busiest pages against a bare Flask page, under gunicorn.

    python -m bench.side_by_side [--rounds 3] [--seconds 5] [--check] [--markdown] [--keep]

Prepares a portal instance in a temporary folder on SQLite with the demo data, starts the portal
and the bare reference app (bench/bare/) each under gunicorn with 2 sync workers on free ports of
127.0.0.1, signs in the demo learner through the real form, and loads each page with `wrk` at 16
connections in runs alternating with the bare app: bare, page, bare, page, ... Prints req/s,
p50/p99, server CPU per request, the ratio to the bare app's req/s in the adjacent runs and the
queries a page runs; then the workers' memory and the portal's start-up time. bench/README.md
explains the columns. With --check the run exits 1 when a page misses a goal.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 0.60
GOAL_P99_MS = 60.0
GOAL_WORKERS_PSS_MIB = 100.0  # the two workers together
GOAL_START_S = 1.0
CONNECTIONS = 16
THREADS = 2
WORKERS = 2
LEARNER = ("learner@demo.doimpact.eu", "doimpact-demo")
HEADERS = {"Accept-Language": "en"}
# (name, path, signed in); the lesson's path is found in the demo data.
PAGES = (
    ("home", "/?lang=en", False),
    ("catalog", "/courses?lang=en", False),
    ("lesson", None, True),
    ("my learning", "/learning?lang=en", True),
    ("mentor list", "/mentors?lang=en", True),
    ("workshops", "/workshops?lang=en", False),
    # Not one of the pages with a goal: the floor of every signed-in page (session, user,
    # menu, sign-out token) on a page that reads nothing else. Shown with "-" as its goal.
    ("home, signed in", "/?lang=en", True),
)
REFERENCES = {"home, signed in"}
# wrk prints one line of JSON at the end of a run; latencies are in microseconds.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, "p50_us": %.0f, '
    .. '"p99_us": %.0f, "errors": %.0f}\\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
end
"""
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    errors: int
    bytes: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


@dataclass
class Target:
    name: str
    path: str
    cookie: str = ""
    expected_bytes: int = 0
    queries: list[int] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    bare_rates: list[float] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)

    @property
    def cpu_per_request(self) -> float:
        return sum(r.cpu_ms for r in self.runs) / max(sum(r.requests for r in self.runs), 1)

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)

    def misses(self) -> list[str]:
        if self.name in REFERENCES:
            return []
        missed = []
        if statistics.median(self.ratios) < GOAL_RATIO:
            missed.append("ratio")
        if self.median("p99_ms") >= GOAL_P99_MS:
            missed.append("p99")
        if self.errors:
            missed.append("errors")
        return missed


class Server:
    """A gunicorn master started by us, its workers, and what they cost."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path):
        self.name = name
        self.port = free_port()
        self.log = log
        command = [sys.executable, "-m", "gunicorn", *args]
        command += ["--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}"]
        self.started = time.perf_counter()
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us; we stop the server ourselves
            )

    def wait_first_answer(self, path: str, timeout: float = 60) -> float:
        """Seconds from starting gunicorn to its first answered request."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped:\n{self.log.read_text()[-3000:]}")
            try:
                request(self.port, path, timeout=timeout)
            except OSError:
                time.sleep(0.005)
                continue
            return time.perf_counter() - self.started
        raise RuntimeError(f"{self.name} did not answer within {timeout} s")

    def pids(self) -> list[int]:
        master = self.process.pid
        return [master, *children(master)]

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def cpu_ms(self, pids: list[int]) -> float:
        return sum(cpu_ticks(pid) for pid in pids) * 1000 / TICKS

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def proc_stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def cpu_ticks(pid: int) -> int:
    try:
        fields = proc_stat(pid)
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(proc_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
                continue
    return sorted(found)


def pss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def request(port, path, method="GET", body=None, cookies=None, timeout=30.0):
    """One request without following redirects: (status, {cookie: value}, body text)."""
    headers = dict(HEADERS)
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        body = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return response.status, {k: morsel.value for k, morsel in jar.items()}, text
    finally:
        connection.close()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no csrf_token in the sign-in form")
    return match.group(1)


def sign_in(port: int) -> str:
    """Sign the demo learner in through the real form and browse on as a browser does, keeping
    the cookies each answer sets, until an answer sets none; return the Cookie header's value.

    wrk sends one fixed cookie. Taken straight from the sign-in answer, it would carry the
    welcome message (shown and removed again on every request) and no CSRF token (made and
    signed again on every request), so each request would rewrite the session cookie: a cost a
    browser pays once, on the page after signing in."""
    status, cookies, html = request(port, "/signin?lang=en")
    assert status == 200, status
    form = {"csrf_token": csrf_token(html), "email": LEARNER[0], "password": LEARNER[1]}
    status, new, _ = request(port, "/signin?lang=en", "POST", form, cookies)
    if status != 302 or "session" not in new:
        raise RuntimeError(f"signing in the demo learner failed (status {status})")
    cookies.update(new)
    for _ in range(3):
        status, new, _ = request(port, "/?lang=en", cookies=cookies)
        if status != 200:
            raise RuntimeError(f"the home page answered {status} after signing in")
        if not new:
            return "; ".join(f"{k}={v}" for k, v in cookies.items())
        cookies.update(new)
    raise RuntimeError("the signed-in session cookie still changes on every request")


def visitor_cookie(port: int) -> str:
    """The cookies of a visitor who chose English before (the language cookie `?lang=en` sets):
    without them every anonymous request would set that cookie again."""
    status, cookies, _ = request(port, "/?lang=en")
    if status != 200:
        raise RuntimeError(f"the home page answered {status}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def run_setup(env: dict) -> None:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for step in (["db", "upgrade"], ["content", "sync"], ["demo", "seed"]):
        done = subprocess.run(
            flask + step, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(step)} failed:\n{done.stdout}\n{done.stderr}")


def measure_in_process(folder: Path) -> tuple[str, dict[str, list[int]]]:
    """Find the lesson to load and count each page's SQL statements with the test client.

    Each page is asked once to warm up, then three times with a counter on the engine
    (as tests/conftest.py's count_queries does).
    """
    from flask import url_for
    from sqlalchemy import event, select

    from app import create_app
    from app.accounts.models import User
    from app.courses import services
    from app.extensions import db

    app = create_app({"INSTANCE_PATH": str(folder)})
    with app.app_context():
        learner = db.session.scalar(select(User).where(User.email == LEARNER[0]))
        in_progress, _ = services.my_learning(learner)
        progress = next((p for p in in_progress if p.next_lesson is not None), None)
        if progress is None:
            raise RuntimeError("the demo learner has no course in progress with a next lesson")
        with app.test_request_context():
            lesson = url_for(
                "courses.lesson", key=progress.course.key, lesson_key=progress.next_lesson.key
            )
        engine = db.engine
    lesson += "?lang=en"

    anonymous, signed_in = app.test_client(), app.test_client()
    html = signed_in.get("/signin?lang=en").text
    response = signed_in.post(
        "/signin?lang=en",
        data={"csrf_token": csrf_token(html), "email": LEARNER[0], "password": LEARNER[1]},
    )
    assert response.status_code == 302, response.status_code

    statements = []

    def count(*args):
        statements.append(1)

    counts = {}
    for name, path, needs_user in PAGES:
        client = signed_in if needs_user else anonymous
        path = path or lesson
        assert client.get(path, headers=HEADERS).status_code == 200, path
        counts[name] = []
        for _ in range(3):
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            try:
                response = client.get(path, headers=HEADERS)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            assert response.status_code == 200, (path, response.status_code)
            counts[name].append(len(statements))
    engine.dispose()
    return lesson, counts


def wrk(port: int, target: Target, seconds: int, script: Path) -> dict:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(script)]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    if target.cookie:
        command += ["-H", f"Cookie: {target.cookie}"]
    command.append(f"http://127.0.0.1:{port}{target.path}")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    if done.returncode or not lines:
        raise RuntimeError(f"wrk failed: {' '.join(command)}\n{done.stdout}{done.stderr}")
    line = lines[0]
    return json.loads(line.removeprefix("BENCH "))


def load(server: Server, target: Target, seconds: int, script: Path) -> Run:
    pids = server.pids()
    before = server.cpu_ms(pids)
    figures = wrk(server.port, target, seconds, script)
    cpu = server.cpu_ms(pids) - before
    if server.pids() != pids:
        print(f"  note: {server.name}'s workers changed during the run", file=sys.stderr)
    return Run(
        requests=int(figures["requests"]),
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        cpu_ms=cpu,
        errors=int(figures["errors"]),
        bytes=int(figures["bytes"]),
    )


def check_page(server: Server, target: Target) -> None:
    """The page answers 200 to the identity wrk uses; remember its size to check runs."""
    cookies = dict(part.split("=", 1) for part in target.cookie.split("; ") if part)
    status, new, body = request(server.port, target.path, cookies=cookies)
    if status != 200:
        raise RuntimeError(f"{server.name} {target.path} answered {status}, not 200")
    if new:  # wrk would send the old cookie again and again: not what a browser does
        raise RuntimeError(f"{server.name} {target.path} sets cookies {sorted(new)} every time")
    target.expected_bytes = len(body.encode())


def row(cells, widths) -> str:
    return "  ".join(
        str(cell).ljust(width) if i < 2 else str(cell).rjust(width)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )


def report(bare: Target, pages: list[Target], extra: list[str], markdown: bool) -> str:
    head = ("page", "path", "req/s", "bare req/s", "ratio", "p50 ms", "p99 ms", "CPU ms/req")
    head += ("CPU ratio", "queries", "goal")
    lines = [
        (
            "bare app",
            bare.path,
            f"{bare.median('rate'):.0f}",
            "",
            "",
            f"{bare.median('p50_ms'):.1f}",
            f"{bare.median('p99_ms'):.1f}",
            f"{bare.cpu_per_request:.2f}",
            "",
            "1",  # its one SELECT (bench/bare/app.py); pysqlite sends no BEGIN before a read
            "",
        )
    ]
    for page in pages:
        low, high = min(page.queries), max(page.queries)
        missed = page.misses()
        lines.append(
            (
                page.name,
                page.path,
                f"{page.median('rate'):.0f}",
                f"{statistics.median(page.bare_rates):.0f}",
                f"{statistics.median(page.ratios):.2f}",
                f"{page.median('p50_ms'):.1f}",
                f"{page.median('p99_ms'):.1f}",
                f"{page.cpu_per_request:.2f}",
                f"{bare.cpu_per_request / max(page.cpu_per_request, 1e-9):.2f}",
                str(low) if low == high else f"{low}-{high}",
                "-" if page.name in REFERENCES else "MISS " + ", ".join(missed) if missed else "ok",
            )
        )
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(cell or "" for cell in line) + " |" for line in lines]
    else:
        widths = [max(len(str(line[i])) for line in [head, *lines]) for i in range(len(head))]
        out = [row(head, widths), row(["-" * w for w in widths], widths)]
        out += [row(line, widths) for line in lines]
    return "\n".join([*out, "", *extra])


def clean_environment(folder: Path) -> dict:
    """Our own settings only: a DOIMPACT_* of the caller's shell must not move the instance."""
    for name in [name for name in os.environ if name.startswith("DOIMPACT_")]:
        del os.environ[name]
    os.environ["DOIMPACT_INSTANCE_PATH"] = str(folder)
    os.environ["BENCH_BARE_DATABASE"] = str(folder / "bare.sqlite3")
    return dict(os.environ)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per page (default 3)")
    parser.add_argument("--seconds", type=int, default=5, help="length of a run (default 5)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a page misses a goal")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    options = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        print(
            "The side-by-side benchmark needs wrk, which is not installed: "
            "apt-get install wrk (Debian package `wrk`).",
            file=sys.stderr,
        )
        return 2

    began = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="doimpact-side-by-side-"))
    env = clean_environment(folder)
    script = folder / "report.lua"
    script.write_text(WRK_SCRIPT)
    servers: list[Server] = []

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - began:5.1f} s] {message}", file=sys.stderr, flush=True)

    try:
        say(f"preparing an instance with the demo data in {folder}")
        run_setup(env)
        subprocess.run([sys.executable, "-m", "bench.bare.app"], cwd=ROOT, env=env, check=True)
        say("counting each page's queries in-process")
        lesson, queries = measure_in_process(folder)
        say("starting gunicorn")

        portal_args = ["--config", str(ROOT / "gunicorn.conf.py"), "wsgi:app"]
        portal = Server("portal", portal_args, env, folder / "portal.log")
        servers.append(portal)
        start_seconds = portal.wait_first_answer("/healthz")
        bare_config = str(ROOT / "bench/bare/gunicorn.conf.py")
        bare_app = "bench.bare.app:create_app()"
        bare_args = ["--config", bare_config, bare_app]
        bare_server = Server("bare app", bare_args, env, folder / "bare.log")
        servers.append(bare_server)
        bare_server.wait_first_answer("/")

        cookie, visitor = sign_in(portal.port), visitor_cookie(portal.port)
        bare = Target("bare app", "/")
        pages = [
            Target(name, path or lesson, cookie if user else visitor, queries=queries[name])
            for name, path, user in PAGES
        ]
        check_page(bare_server, bare)
        for page in pages:
            check_page(portal, page)

        say("warming up")
        load(bare_server, bare, 1, script)
        for page in pages:
            load(portal, page, 1, script)

        for number in range(1, options.rounds + 1):
            before = load(bare_server, bare, options.seconds, script)
            bare.runs.append(before)
            progress = [f"round {number}/{options.rounds}: bare {before.rate:.0f}"]
            for page in pages:
                run = load(portal, page, options.seconds, script)
                after = load(bare_server, bare, options.seconds, script)
                bare.runs.append(after)
                page.runs.append(run)
                adjacent = (before.rate + after.rate) / 2
                page.bare_rates.append(adjacent)
                page.ratios.append(run.rate / adjacent)
                progress.append(f"{page.name} {run.rate:.0f}, bare {after.rate:.0f}")
                before = after
            say("; ".join(progress))

        for target, server in [(bare, bare_server)] + [(page, portal) for page in pages]:
            cookies = dict(p.split("=", 1) for p in target.cookie.split("; ") if p)
            status, _, _ = request(server.port, target.path, cookies=cookies)
            per_request = sum(r.bytes for r in target.runs) / max(
                sum(r.requests for r in target.runs), 1
            )
            if status != 200 or per_request < target.expected_bytes / 2:
                raise RuntimeError(
                    f"{target.name}: the load did not get the page (status {status} after "
                    f"the runs, {per_request:.0f} bytes a response, page {target.expected_bytes})"
                )

        memory = {s.name: [pss_mib(pid) for pid in s.worker_pids()] for s in servers}
        masters = {s.name: pss_mib(s.process.pid) for s in servers}
    finally:
        for server in servers:
            server.stop()
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)

    workers_pss = sum(memory["portal"])
    extra = [
        f"portal: start to first answer {start_seconds:.2f} s (goal < {GOAL_START_S:.0f} s)",
        "memory (PSS) after the runs: portal workers "
        + " + ".join(f"{m:.1f}" for m in memory["portal"])
        + f" = {workers_pss:.1f} MiB (goal <= {GOAL_WORKERS_PSS_MIB:.0f} MiB), "
        f"master {masters['portal']:.1f} MiB; bare app workers "
        + " + ".join(f"{m:.1f}" for m in memory["bare app"])
        + f" MiB, master {masters['bare app']:.1f} MiB",
        f"wrk -t{THREADS} -c{CONNECTIONS}, {options.rounds} rounds x {options.seconds} s per "
        f"page, alternating with the bare app; gunicorn -w {WORKERS} sync; SQLite; "
        f"{os.cpu_count()} CPUs; {time.perf_counter() - began:.0f} s in all",
        f"goals: ratio >= {GOAL_RATIO:.2f} and p99 < {GOAL_P99_MS:.0f} ms for every page "
        "(medians over the rounds)",
    ]
    if options.keep:
        extra.append(f"instance and logs kept in {folder}")
    print(report(bare, pages, extra, options.markdown))
    missed = [page.name for page in pages if page.misses()]
    if missed and options.check:
        print(f"goal missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
