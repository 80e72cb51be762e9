#!/usr/bin/env python3
"""The measuring half of benches/run.sh (which builds everything first; run that, not this).

Starts the FastAPI peer and the generated SQLite servers on 127.0.0.1, and, in a throwaway
PostgreSQL cluster (target/bench/pg), the same peer on PostgreSQL and the generated PostgreSQL
project; seeds each (through its own API; the peer on PostgreSQL through its seed.py), runs the
same wrk scenarios against each (the peer's lua/bench.lua with EXPECT), reads peak memory and
start-up times, floods the HS256 server with its default rate limits from one address (429s),
times `authgate new`, counts the generated projects' dependencies and, with
--cold-builds, times its cold debug and release builds. Prints one Markdown report and writes it,
with the raw figures, to target/bench/results.{md,json}.

Exit status: 0 when every response of the generated servers had its expected status, 1
otherwise (the report is printed either way; a failing peer is reported, not an error of this
benchmark), 2 when something could not be started.
"""
import argparse
import base64
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LOOPBACK = "127.0.0.1"
USER, OTHER_USER = "u1", "u2"
SEED_TASKS = {USER: 10, OTHER_USER: 1}
CREATE_BODY = json.dumps(
    {"title": "bench task", "description": "created by wrk", "completed": False},
    separators=(",", ":"),
)
KID = "bench-key-1"


# ---------------------------------------------------------------------------------------------
# tokens and keys


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(sub, iss=None, aud=None):
    now = int(time.time())
    c = {"sub": sub, "email": f"{sub}@example.test", "iat": now, "exp": now + 3 * 3600}
    if iss:
        c["iss"] = iss
    if aud:
        c["aud"] = aud
    return c


def hs256_tokens(secret: str):
    import jwt

    other = secrets.token_urlsafe(48)
    return {
        "good": jwt.encode(claims(USER), secret, algorithm="HS256"),
        "other": jwt.encode(claims(OTHER_USER), secret, algorithm="HS256"),
        # Same claims, signed with another secret: a bad signature.
        "bad": jwt.encode(claims(USER), other, algorithm="HS256"),
    }


def eddsa_material(origin: str):
    """A fresh Ed25519 key, its JWKS, and tokens (the bad one: same kid, another key)."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64url(public), "kid": KID,
                      "alg": "EdDSA", "use": "sig"}]}
    c = claims(USER, iss=origin, aud=origin)
    headers = {"kid": KID}
    return jwks, {
        "good": jwt.encode(c, key, algorithm="EdDSA", headers=headers),
        "other": jwt.encode(claims(OTHER_USER, iss=origin, aud=origin), key, algorithm="EdDSA",
                            headers=headers),
        "bad": jwt.encode(c, other, algorithm="EdDSA", headers=headers),
    }


def serve_jwks(port: int, path: str):
    """`bench.py serve-jwks PORT FILE`: serves FILE as application/json at /api/auth/jwks."""
    body = Path(path).read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/api/auth/jwks":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer((LOOPBACK, port), Handler).serve_forever()


def start_jwks(jwks_file: Path):
    """A fresh Ed25519 key's JWKS (written to `jwks_file`) served on a free loopback port by a
    process of its own; that process, the origin it serves, and the tokens."""
    jwks_port = free_port()
    origin = f"http://{LOOPBACK}:{jwks_port}"
    jwks, toks = eddsa_material(origin)
    jwks_file.write_text(json.dumps(jwks))
    proc = subprocess.Popen([sys.executable, __file__, "serve-jwks", str(jwks_port), str(jwks_file)],
                            start_new_session=True, stdin=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        try:
            if http_status(jwks_port, "GET", "/api/auth/jwks")[0] == 200:
                return proc, origin, toks
        except OSError:
            if time.time() > deadline:
                proc.kill()
                raise RuntimeError("the JWKS server did not start")
            time.sleep(0.01)


# ---------------------------------------------------------------------------------------------
# processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def http_status(port, method, path, token=None, body=None, timeout=2.0):
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def response_shape(port, path="/health"):
    """The answer to `GET path` as wrk sees its cost: each header's name and the length of its
    value (but `date`), and the body's length."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=2.0)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        headers = sorted((name.lower(), len(value)) for name, value in response.getheaders()
                         if name.lower() != "date")
        return headers, len(response.read())
    finally:
        conn.close()


class Server:
    """A process this benchmark started (in its own session, so its workers go with it)."""

    def __init__(self, name, label, argv, env, cwd, log, port, ready_path=None):
        self.name, self.label, self.port = name, label, port
        self.ready_path = ready_path
        self.log = open(log, "wb")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        try:
            self.health_ms = self.wait_for("/health")
            self.ready_ms = self.wait_for(ready_path) if ready_path else None
        except BaseException:
            self.stop()  # not in the caller's list yet: stopped here
            raise

    def wait_for(self, path, limit_s=30.0):
        """Milliseconds from the process start to the first 200 on `path` (polled every ms)."""
        deadline = self.started + limit_s
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log.name}")
            try:
                status, _ = http_status(self.port, "GET", path, timeout=1.0)
                if status == 200:
                    return (time.perf_counter() - self.started) * 1000
            except OSError:
                pass
            time.sleep(0.001)
        raise RuntimeError(f"{self.name}: no 200 on {path} within {limit_s:.0f} s; see {self.log.name}")

    def pids(self):
        """This process and its descendants."""
        children = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        out, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    def peak_rss_kib(self):
        """Sum of VmHWM over the process tree (the peer: supervisor + workers)."""
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


def fresh_sqlite(path: Path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def postgres_bin_dir():
    """Where `initdb` and `pg_ctl` are: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    dirs = [Path(d) for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    versioned = sorted((int(d.name), d / "bin") for d in Path("/usr/lib/postgresql").glob("*")
                       if d.name.isdigit())
    dirs += [d for _, d in reversed(versioned)]
    return next((d for d in dirs if (d / "initdb").is_file() and (d / "pg_ctl").is_file()), None)


class Postgres:
    """A throwaway PostgreSQL cluster in `dir` (removed and made afresh), listening on a free
    loopback port only (its unix socket inside its data directory), superuser `postgres` with
    trust authentication, PostgreSQL's default settings otherwise; as tests/support/postgres.rs
    does, run as `nobody` when this is root, since PostgreSQL refuses to run as root."""

    def __init__(self, dir: Path):
        self.bin = postgres_bin_dir()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL binaries (initdb, pg_ctl) on PATH or in "
                               "/usr/lib/postgresql/*/bin; install PostgreSQL (apt-get install postgresql)")
        self.dir, self.data, self.log = dir, dir / "data", dir / "postgres.log"
        self.running = False
        self.prefix = []
        owner = None
        if os.geteuid() == 0:
            import pwd

            try:
                nobody = pwd.getpwnam("nobody")
            except KeyError:
                raise RuntimeError("running as root, and there is no user `nobody` to run PostgreSQL as; "
                                   "run the benchmark as an unprivileged user")
            owner = (nobody.pw_uid, nobody.pw_gid)
            if shutil.which("setpriv"):
                self.prefix = ["setpriv", f"--reuid={owner[0]}", f"--regid={owner[1]}",
                               "--clear-groups", "--"]
            elif shutil.which("runuser"):
                self.prefix = ["runuser", "-u", "nobody", "--"]
            else:
                raise RuntimeError("running as root, and neither setpriv nor runuser is there to run "
                                   "PostgreSQL as an unprivileged user; install util-linux "
                                   "(apt-get install util-linux) or run the benchmark as one")
        if (self.data / "postmaster.pid").exists():  # a run that was killed left it running
            self.run("pg_ctl", "--pgdata", str(self.data), "--mode=immediate", "--wait", "stop",
                     check=False)
        shutil.rmtree(dir, ignore_errors=True)
        dir.mkdir(parents=True)
        if owner is not None:
            os.chown(dir, *owner)
            if subprocess.run([*self.prefix, "test", "-w", str(dir)]).returncode != 0:
                raise RuntimeError(f"running as root, and the user nobody cannot write {dir} "
                                   "(a directory above it is closed to other users); run the "
                                   "benchmark as an unprivileged user, or from a checkout "
                                   "other users can enter")
        self.run("initdb", "--pgdata", str(self.data), "--username=postgres", "--auth=trust",
                 "--encoding=UTF8", "--locale=C", "--no-sync")
        self.port = free_port()
        settings = (f"-c listen_addresses={LOOPBACK} -c port={self.port} "
                    f"-c unix_socket_directories={self.data}")
        self.running = True  # from here on, stop() tries
        self.run("pg_ctl", "--pgdata", str(self.data), "--log", str(self.log), "--wait",
                 "--timeout=60", "-o", settings, "start")
        version = subprocess.run([str(self.bin / "pg_ctl"), "--version"], capture_output=True,
                                 text=True).stdout.strip()  # pg_ctl (PostgreSQL) 15.18 (...)
        self.version = "PostgreSQL " + version.split(") ", 1)[-1]

    def run(self, program, *argv, check=True):
        out = subprocess.run([*self.prefix, str(self.bin / program), *argv], cwd=self.dir.parent,
                             env=dict(os.environ, LC_ALL="C"), stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=120)
        if check and out.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({out.returncode}): {out.stdout}{out.stderr}{log}")

    def url(self, database, scheme="postgres"):
        return f"{scheme}://postgres@{LOOPBACK}:{self.port}/{database}"

    def create_database(self, name):
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def stop(self):
        if self.running:
            self.running = False
            self.run("pg_ctl", "--pgdata", str(self.data), "--mode=fast", "--wait", "stop", check=False)


# What the eight-field tasks of `fields8` carry besides the usual three, all set.
EIGHT_FIELDS = {"due": "2026-12-31", "priority": "high", "estimate": 90,
                "remind_at": "2026-12-30T09:00:00Z", "assignee": "67e55044-10b1-426f-9247-bb680e5fe0c8"}


def seed(server: Server, token: str, tokens_by_user):
    """10 tasks for u1 and 1 for u2, created through the server's own API."""
    for user, count in SEED_TASKS.items():
        for i in range(1, count + 1):
            task = {"title": f"{user} task {i}", "description": f"seeded task {i} of {user}",
                    "completed": i % 3 == 0}
            if server.name == "fields8":
                task.update(EIGHT_FIELDS)
            body = json.dumps(task)
            status, text = http_status(server.port, "POST", f"/api/{user}/tasks",
                                       token=tokens_by_user[user], body=body)
            if status not in (200, 201):
                raise RuntimeError(f"{server.name}: seeding answered {status}: {text[:200]!r}")
    check_seeded(server, token)


def check_seeded(server: Server, token: str):
    """The list of u1 has its 10 tasks."""
    status, text = http_status(server.port, "GET", f"/api/{USER}/tasks", token=token)
    items = json.loads(text)
    items = items["items"] if isinstance(items, dict) else items
    if status != 200 or len(items) != SEED_TASKS[USER]:
        raise RuntimeError(f"{server.name}: after seeding, list answered {status} with {len(items)} items")


# ---------------------------------------------------------------------------------------------
# wrk

WRK_LINE = re.compile(r"^WRKSUMMARY (.*)$", re.M)


def run_wrk(args, url, token, expect, body=None, prefix=()):
    """One wrk run; `prefix` goes before wrk's own command line (ab.py's WRK_SCHED)."""
    env = dict(os.environ, TOKEN=token or "", EXPECT=str(expect), PEER_LUA=str(args.peer_lua))
    script = args.peer_lua
    if body is not None:
        env["BODY"] = body
        script = args.post_lua
    argv = [*prefix, "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
            "--latency", "-s", str(script), url]
    try:
        out = subprocess.run(argv, env=env, capture_output=True, text=True,
                             timeout=args.duration + 30).stdout
    except subprocess.TimeoutExpired:
        return {"verdict": "TIMEOUT", "rps": 0.0, "p50_ms": 0, "p99_ms": 0, "statuses": "-"}
    match = WRK_LINE.search(out)
    if not match:
        return {"verdict": "NO-SUMMARY", "rps": 0.0, "p50_ms": 0, "p99_ms": 0, "statuses": "-",
                "raw": out[-2000:]}
    fields = dict(part.split("=", 1) for part in match.group(1).split())
    result = {k: fields[k] for k in ("statuses", "verdict", "sock_err")}
    for k in ("rps", "p50_ms", "p99_ms", "max_ms"):
        result[k] = float(fields[k])
    result["requests"] = int(fields["requests"])
    # Socket errors (connect/read/write/timeout) are failed requests too.
    if result["verdict"] == "ok" and any(
            int(n) for n in re.findall(r":(\d+)", fields["sock_err"])):
        result["verdict"] = "SOCKET-ERRORS"
    return result


# ---------------------------------------------------------------------------------------------
# CLI timing, dependency count, cold builds


def time_cli(args):
    """Whole-process time of `authgate new` (hyperfine when installed, else a timed loop)."""
    out_dir = args.work / "cli-new"
    commands = {
        "authgate new --yes --dry-run": ([str(args.authgate), "new", str(out_dir), "--yes", "--dry-run"], False),
        "authgate new --yes": ([str(args.authgate), "new", str(out_dir), "--yes", "--quiet"], True),
    }
    results = {}
    for label, (argv, writes) in commands.items():
        shutil.rmtree(out_dir, ignore_errors=True)
        if shutil.which("hyperfine"):
            export = args.work / "hyperfine.json"
            cmd = ["hyperfine", "-N", "--warmup", "5", "--runs", "100", "--export-json", str(export),
                   "--style", "none"]
            if writes:
                cmd += ["--prepare", f"rm -rf {out_dir}"]
            cmd.append(" ".join(argv))
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=300)
            r = json.loads(export.read_text())["results"][0]
            times = [t * 1000 for t in r["times"]]
            tool = "hyperfine -N"
        else:
            times = []
            for _ in range(100):
                if writes:
                    shutil.rmtree(out_dir, ignore_errors=True)
                t0 = time.perf_counter()
                subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, timeout=60)
                times.append((time.perf_counter() - t0) * 1000)
            tool = "python loop"
        shutil.rmtree(out_dir, ignore_errors=True)
        results[label] = {"mean_ms": statistics.mean(times), "stdev_ms": statistics.pstdev(times),
                          "median_ms": statistics.median(times), "min_ms": min(times),
                          "runs": len(times), "tool": tool}
    return results


def dependency_counts(project: Path, env):
    counts = {}
    for edges in ("normal", "normal,build"):
        out = subprocess.run(["cargo", "tree", "-e", edges, "--prefix", "none", "--offline"],
                             cwd=project, env=env, capture_output=True, text=True, check=True,
                             timeout=120).stdout
        crates = {line.replace(" (*)", "").strip() for line in out.splitlines() if line.strip()}
        counts[edges] = len(crates) - 1  # without the project itself
    return counts


def incremental_rebuild(args, env):
    """`cargo build` (debug) of a five-resource project after touching one route module: the
    median of three, once its first build is done."""
    project = args.work / "five"
    answers = args.work / "five.toml"
    answers.write_text(FIVE_RESOURCES)
    shutil.rmtree(project, ignore_errors=True)
    subprocess.run([str(args.authgate), "new", str(project), "--config", str(answers), "--yes",
                    "--quiet", "--vcs", "none", "--name", "five"], check=True)
    build = ["cargo", "build", "--offline", "--quiet"]
    subprocess.run(build, cwd=project, env=env, check=True, timeout=3600)
    route = project / "src" / "routes" / "notes.rs"
    times = []
    for i in range(4):
        route.write_text(route.read_text() + f"// touched {i}\n")
        t0 = time.perf_counter()
        subprocess.run(build, cwd=project, env=env, check=True, timeout=600)
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times[1:]), "runs_s": times[1:]}


FIVE_RESOURCES = """
[answers]
user_in_path = true

[[resources]]
name = "projects"
fields = ["name:string(120)", "archived:bool=false", "budget:float?", "starts:date?"]

[[resources]]
name = "tasks"
parent = "projects"
fields = ["title:string", "done:bool=false", "due:date?", "priority:enum(low|normal|high)=normal",
          "estimate:int?", "notes:text?", "remind_at:datetime?", "assignee:uuid?"]

[[resources]]
name = "notes"
fields = ["body:text", "pinned:bool?", "tag:enum(work|home)?"]

[[resources]]
name = "contacts"
fields = ["name:string", "email:string(320)", "phone:string(40)?", "birthday:date?"]

[[resources]]
name = "invoices"
fields = ["number:string(40)", "amount:float", "paid:bool=false", "due:date",
          "currency:enum(eur|usd|gbp)=eur"]
"""


def cold_builds(args, env):
    """Cold debug and release builds of a freshly generated default project (empty target dir)."""
    project, target = args.work / "cold" / "project", args.work / "cold" / "target"
    shutil.rmtree(args.work / "cold", ignore_errors=True)
    (args.work / "cold").mkdir(parents=True)
    subprocess.run([str(args.authgate), "new", str(project), "--yes", "--quiet", "--vcs", "none"], check=True)
    out = {}
    for profile, flags in (("debug", []), ("release", ["--release"])):
        shutil.rmtree(target, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run(["cargo", "build", "--offline", *flags], cwd=project,
                       env=dict(env, CARGO_TARGET_DIR=str(target)), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=3600)
        out[profile] = time.perf_counter() - t0
    shutil.rmtree(target, ignore_errors=True)
    return out


# ---------------------------------------------------------------------------------------------
# the run


def machine():
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    wrk_version = (wrk.stdout or wrk.stderr).splitlines()[0].split(" [")[0]
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": round(mem_kib / 1024 / 1024, 1),
            "kernel": platform.release(), "python": platform.python_version(), "rustc": rustc,
            "wrk": wrk_version, "loadavg_before": Path("/proc/loadavg").read_text().split()[:3]}


# The peer on SQLite and on PostgreSQL: their failures are reported, not failures of this benchmark.
PEERS = ("peer", "peer-pg")
PLAIN = ("plain", "plain-headers")  # benches/plain-axum, `/health` only

SCENARIOS = [
    # name, method+path template, token kind, expected status (peer, authgate)
    ("health", "GET /health", None, (200, 200)),
    ("list (10 tasks)", f"GET /api/{USER}/tasks", "good", (200, 200)),
    ("403 other user's path", f"GET /api/{OTHER_USER}/tasks", "good", (403, 403)),
    ("401 bad signature", f"GET /api/{USER}/tasks", "bad", (401, 401)),
    ("create", f"POST /api/{USER}/tasks", "good", (200, 201)),
]


# The generated projects' default rate limits (src/config.rs): per second and burst, per client
# address and per user. The flood sets them explicitly, so that what it counts as allowed through
# holds whatever the defaults become.
DEFAULT_LIMIT = (10, 20)


def flood(args, binary, base_env, secret, token, data):
    """The HS256 project with its default rate limits, flooded by wrk from one address: after its
    burst, every request is over the per-address limit and answered 429. What a refusal costs
    (req/s beside plain axum's `/health` in the same run); not one of the table's scenarios."""
    per_second, burst = DEFAULT_LIMIT
    env = dict(base_env, RATE_LIMIT_PER_SECOND=str(per_second), RATE_LIMIT_BURST=str(burst),
               RATE_LIMIT_PER_USER_PER_SECOND=str(per_second),
               RATE_LIMIT_PER_USER_BURST=str(burst))
    # What the limits let through in a run (a full bucket, then its refill), and no more.
    allowed = burst + per_second * (args.duration + 1)
    db = data / "hs256-flood.db"
    fresh_sqlite(db)
    env.update(PORT=str(free_port()), DATABASE_URL=f"sqlite://{db}", JWT_SECRET=secret)
    run_dir = args.work / "run-hs256"
    run_dir.mkdir(exist_ok=True)
    server = Server("hs256-flood", "authgate HS256, default rate limits", [binary], env, run_dir,
                    args.work / "hs256-flood.log", int(env["PORT"]), ready_path="/ready")
    best = None
    try:
        for _ in range(args.runs):
            r = run_wrk(args, f"http://{LOOPBACK}:{server.port}/api/{USER}/tasks", token, 429)
            counts = {int(k): int(v) for k, v in
                      (part.split(":") for part in r["statuses"].split(",") if ":" in part)}
            passed = sum(n for status, n in counts.items() if status != 429)
            if r["verdict"] == "MISMATCH" and set(counts) <= {200, 429} and passed <= allowed:
                r["verdict"] = "ok"
            r["passed"], r["allowed"] = passed, allowed
            print(f"  {'429 flood':<24} {'hs256':<8} {r['rps']:>10.0f} req/s  "
                  f"p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  {r['statuses']}  "
                  f"{r['verdict']}", file=sys.stderr, flush=True)
            if r["verdict"] != "ok":
                return r
            if best is None or r["rps"] > best["rps"]:
                best = r
    finally:
        server.stop()
    return best


def main(argv):
    p = argparse.ArgumentParser(description="see benches/run.sh")
    p.add_argument("--repo", type=Path, required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--authgate", type=Path, required=True)
    p.add_argument("--peer", type=Path, required=True)
    p.add_argument("--venv", type=Path, required=True)
    p.add_argument("--cargo-target", type=Path, required=True)
    p.add_argument("--project", action="append", default=[], metavar="NAME=BINARY",
                   help="a generated SQLite project to benchmark: hs256=..., eddsa=..., fields8=...")
    p.add_argument("--postgres-project", action="append", default=[], metavar="NAME=BINARY",
                   help="a generated shared-secret HS256 project on PostgreSQL (pg256=...), run "
                        "against the peer on PostgreSQL (peer-pg) in a throwaway cluster")
    p.add_argument("--runs", type=int, default=2, help="wrk runs per scenario and server; the best is kept")
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--peer-workers", type=int, default=2)
    p.add_argument("--plain", type=Path, default=None,
                   help="the plain axum server (benches/plain-axum): /health's ceiling on this machine")
    p.add_argument("--cold-builds", action="store_true")
    p.add_argument("--only", choices=["servers", "postgres", "cli"], default=None,
                   help="servers: every server (SQLite and PostgreSQL); postgres: the peer and the "
                        "project on PostgreSQL alone; cli: the CLI's timings alone")
    args = p.parse_args(argv)
    args.peer_lua = args.peer / "lua" / "bench.lua"
    args.post_lua = Path(__file__).resolve().parent / "lua" / "post.lua"
    projects = dict(item.split("=", 1) for item in args.project)
    pg_projects = dict(item.split("=", 1) for item in args.postgres_project)
    if args.only == "postgres" and not pg_projects:
        raise RuntimeError("--only postgres needs a --postgres-project")
    run_sqlite = args.only in (None, "servers")
    run_postgres = args.only in (None, "servers", "postgres") and bool(pg_projects)
    if args.only == "postgres":
        projects, args.plain = {}, None

    report = {"machine": machine(), "scenarios": {}, "servers": {}, "failures": [],
              "peer_failures": []}
    data = args.work / "data"
    data.mkdir(parents=True, exist_ok=True)
    servers = []
    jwks_proc = None
    pg = None
    try:
        if run_sqlite or run_postgres:
            secret = secrets.token_urlsafe(48)  # 64 characters: >= 32 bytes for both
            hs = hs256_tokens(secret)
            tokens = {}
            base_env = {k: v for k, v in os.environ.items() if k not in ("RUST_LOG",)}
            # One user from one address: the per-IP limit is off, the per-user one is too high to
            # answer 429 but still runs (its middleware and bucket are part of the stack's cost).
            base_env.update(APP_ENV="development", HOST=LOOPBACK, RATE_LIMIT_PER_SECOND="0",
                            RATE_LIMIT_PER_USER_PER_SECOND="1000000000",
                            RATE_LIMIT_PER_USER_BURST="1000000000",
                            CORS_ALLOWED_ORIGINS="http://localhost:3000")

        if run_sqlite:
            # The peer: uvicorn[standard], 2 workers, through its own run.sh.
            peer_port = free_port()
            peer_db = data / "peer.db"
            fresh_sqlite(peer_db)
            peer_env = dict(os.environ, BETTER_AUTH_SECRET=secret, PORT=str(peer_port),
                            WORKERS=str(args.peer_workers), VENV=str(args.venv),
                            DATABASE_URL=f"sqlite:///{peer_db}")
            peer = Server("peer", f"FastAPI peer (uvicorn[standard], {args.peer_workers} workers)",
                          [str(args.peer / "run.sh")], peer_env, args.peer, args.work / "peer.log",
                          peer_port)
            servers.append(peer)
            seed(peer, hs["good"], {USER: hs["good"], OTHER_USER: hs["other"]})
            tokens["peer"] = hs

            for name, binary in projects.items():
                port = free_port()
                db = data / f"{name}.db"
                fresh_sqlite(db)
                env = dict(base_env, PORT=str(port), DATABASE_URL=f"sqlite://{db}")
                if name in ("hs256", "fields8"):
                    env["JWT_SECRET"] = secret
                    toks = hs
                    label = ("authgate HS256 (shared-secret)" if name == "hs256"
                             else "authgate HS256, tasks of eight fields")
                else:
                    jwks_proc, origin, toks = start_jwks(args.work / "jwks.json")
                    env["BETTER_AUTH_URL"] = origin
                    label = "authgate EdDSA (Better Auth JWKS)"
                run_dir = args.work / f"run-{name}"  # no .env here
                run_dir.mkdir(exist_ok=True)
                server = Server(name, label, [binary], env, run_dir, args.work / f"{name}.log", port,
                                ready_path="/ready")
                servers.append(server)
                seed(server, toks["good"], {USER: toks["good"], OTHER_USER: toks["other"]})
                tokens[name] = toks

            if args.plain is not None:
                port = free_port()
                servers.append(Server("plain", "plain axum 0.8 (`/health` only)", [str(args.plain)],
                                      dict(base_env, PORT=str(port)), args.work,
                                      args.work / "plain.log", port))
                # The same binary answering with a generated server's bytes (headers and body
                # as constants): what those bytes cost without the work that decides them.
                port = free_port()
                plain_headers = Server(
                    "plain-headers", "plain axum 0.8, a generated server's `/health` bytes",
                    [str(args.plain)], dict(base_env, PORT=str(port), RESPONSE="generated"),
                    args.work, args.work / "plain-headers.log", port)
                servers.append(plain_headers)
                ours = next((s for s in servers if s.name in projects), None)
                if ours is not None:
                    want, got = response_shape(ours.port), response_shape(plain_headers.port)
                    if want != got:
                        raise RuntimeError(
                            f"benches/plain-axum's RESPONSE=generated answers {got}, the generated "
                            f"`{ours.name}` {want}: update benches/plain-axum/src/main.rs")

        if run_postgres:
            # One throwaway cluster, a database each for the peer and the project.
            pg = Postgres(args.work / "pg")
            report["postgres"] = {"version": pg.version, "dir": str(pg.dir)}
            print(f"  {pg.version} on port {pg.port} in {pg.dir}", file=sys.stderr, flush=True)

            # The same peer on PostgreSQL through SQLAlchemy's psycopg 3 driver. seed.py (its
            # README's way) makes the schema and the same 11 tasks before the workers start, which
            # would otherwise race on CREATE TABLE (app/db.py forgives that race in SQLite's words
            # only).
            pg.create_database("peerdb")
            peer_port = free_port()
            peer_env = dict(os.environ, BETTER_AUTH_SECRET=secret, PORT=str(peer_port),
                            WORKERS=str(args.peer_workers), VENV=str(args.venv),
                            DATABASE_URL=pg.url("peerdb", "postgresql+psycopg"))
            seeded = subprocess.run([str(args.venv / "bin" / "python"), "seed.py",
                                     *(f"{user}:{count}" for user, count in SEED_TASKS.items())],
                                    cwd=args.peer, env=peer_env, capture_output=True, text=True,
                                    timeout=120)
            if seeded.returncode != 0:
                raise RuntimeError(f"the peer's seed.py on PostgreSQL failed: {seeded.stderr[-2000:]}")
            peer = Server("peer-pg", f"FastAPI peer on PostgreSQL (uvicorn[standard], "
                                     f"{args.peer_workers} workers)",
                          [str(args.peer / "run.sh")], peer_env, args.peer,
                          args.work / "peer-pg.log", peer_port)
            servers.append(peer)
            check_seeded(peer, hs["good"])
            tokens["peer-pg"] = hs

            for name, binary in pg_projects.items():
                pg.create_database(name)
                port = free_port()
                env = dict(base_env, PORT=str(port), DATABASE_URL=pg.url(name), JWT_SECRET=secret)
                run_dir = args.work / f"run-{name}"  # no .env here
                run_dir.mkdir(exist_ok=True)
                server = Server(name, "authgate HS256 on PostgreSQL (shared-secret, pool of 10)",
                                [binary], env, run_dir, args.work / f"{name}.log", port,
                                ready_path="/ready")
                servers.append(server)
                seed(server, hs["good"], {USER: hs["good"], OTHER_USER: hs["other"]})
                tokens[name] = hs

        # Scenarios, create last (it grows the table). Per scenario, the runs go round the
        # servers (run 1 of every server, then run 2, ...) so that each server's best is taken
        # from moments spread over the scenario, not from one stretch of this shared machine's
        # load. The plain axum server has `/health` only.
        if servers:
            for scenario, route, token_kind, (peer_expect, ours_expect) in SCENARIOS:
                method, path = route.split(" ", 1)
                body = CREATE_BODY if method == "POST" else None
                report["scenarios"][scenario] = {}
                best = {}
                failed = set()
                runs = [s for s in servers if s.name not in PLAIN or scenario == "health"]
                for _ in range(args.runs):
                    for server in runs:
                        if server.name in failed:
                            continue
                        expect = peer_expect if server.name in PEERS else ours_expect
                        token = tokens[server.name][token_kind] if token_kind else None
                        r = run_wrk(args, f"http://{LOOPBACK}:{server.port}{path}", token, expect, body)
                        r["expect"] = expect
                        if r["verdict"] != "ok":
                            best[server.name] = r
                            failed.add(server.name)
                        elif server.name not in best or r["rps"] > best[server.name]["rps"]:
                            best[server.name] = r
                for server in runs:
                    r = best[server.name]
                    report["scenarios"][scenario][server.name] = r
                    print(f"  {scenario:<24} {server.name:<8} {r['rps']:>10.0f} req/s  "
                          f"p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  "
                          f"{r['statuses']}  {r['verdict']}", file=sys.stderr, flush=True)
                    if r["verdict"] != "ok":
                        report["peer_failures" if server.name in PEERS else "failures"].append(
                            f"{scenario} on {server.name}: {r['verdict']} "
                            f"(expected {r['expect']}, got {r['statuses']})")
            if run_sqlite and "hs256" in projects:
                r = report["flood"] = flood(args, projects["hs256"], base_env, secret, hs["good"],
                                            data)
                if r["verdict"] != "ok":
                    report["failures"].append(
                        f"429 flood on hs256: {r['verdict']} (expected 429 for all but at most "
                        f"{r['allowed']} requests, got {r['statuses']})")
            for server in servers:
                report["servers"][server.name] = {
                    "label": server.label, "peak_rss_mib": server.peak_rss_kib() / 1024,
                    "health_ms": server.health_ms, "ready_ms": server.ready_ms,
                    "processes": len(server.pids()),
                }
    finally:
        for server in servers:
            server.stop()
        if jwks_proc is not None:
            os.killpg(jwks_proc.pid, signal.SIGTERM)
            jwks_proc.wait(timeout=10)
        if pg is not None:
            pg.stop()

    if args.only in (None, "cli"):
        print("  timing authgate new ...", file=sys.stderr, flush=True)
        report["cli"] = time_cli(args)
        cargo_env = dict(os.environ, CARGO_TARGET_DIR=str(args.cargo_target))
        report["dependencies"] = {name: dependency_counts(args.work / name, cargo_env)
                                  for name in [*projects, *pg_projects]}
        print("  incremental rebuild of a five-resource project ...", file=sys.stderr, flush=True)
        report["rebuild"] = incremental_rebuild(args, cargo_env)
        if args.cold_builds:
            print("  cold builds (minutes) ...", file=sys.stderr, flush=True)
            report["cold_builds_s"] = cold_builds(args, dict(os.environ))

    text = render(report, projects, pg_projects)
    print(text)
    (args.work / "results.md").write_text(text)
    (args.work / "results.json").write_text(json.dumps(report, indent=2))
    return 1 if report["failures"] else 0


# ---------------------------------------------------------------------------------------------
# the report


def fmt_int(x):
    return f"{x:,.0f}"


def baseline(name, pg_projects):
    """The peer a server's "× peer" is computed against: the one on the same storage."""
    return "peer-pg" if name in pg_projects else "peer"


def render(report, projects, pg_projects):
    lines = []
    m = report["machine"]
    lines.append(f"machine: {m['cores']} cores ({m['cpu']}), {m['mem_gib']} GiB, Linux {m['kernel']}, "
                 f"{m['rustc']}, Python {m['python']}, {m['wrk']}; load average before the run "
                 f"{' '.join(m['loadavg_before'])}")
    if "postgres" in report:
        lines.append(f"PostgreSQL: {report['postgres']['version']}, a throwaway cluster on loopback "
                     f"with default settings, one database each for `peer-pg` and "
                     f"{', '.join(f'`{n}`' for n in pg_projects)}; `× peer` of "
                     f"{', '.join(f'`{n}`' for n in pg_projects)} is against `peer-pg`")
    if report["scenarios"]:
        names = [n for n in [*PLAIN, "peer", *projects, "peer-pg", *pg_projects]
                 if n in next(iter(report["scenarios"].values()))]
        lines.append("")
        lines.append("| scenario | server | req/s | p50 ms | p99 ms | statuses | × peer |")
        lines.append("|---|---|---:|---:|---:|---|---:|")
        for scenario, per in report["scenarios"].items():
            for name in names:
                if name not in per:
                    continue
                r = per[name]
                peer_rps = per.get(baseline(name, pg_projects), {}).get("rps") or 0
                ratio = "" if name in PEERS else (f"{r['rps'] / peer_rps:.1f}×" if peer_rps else "-")
                status = r["statuses"] if r["verdict"] == "ok" else f"**{r['verdict']}** {r['statuses']} (expected {r['expect']})"
                lines.append(f"| {scenario} | {name} | {fmt_int(r['rps'])} | {r['p50_ms']:.2f} | "
                             f"{r['p99_ms']:.2f} | {status} | {ratio} |")
        lines.append("")
        lines.append("| server | peak RSS under load | start → first 200 /health | start → first 200 /ready |")
        lines.append("|---|---:|---:|---:|")
        for name, s in report["servers"].items():
            ready = f"{s['ready_ms']:.0f} ms" if s["ready_ms"] is not None else "-"
            procs = f" ({s['processes']} processes)" if s["processes"] > 1 else ""
            lines.append(f"| {s['label']} | {s['peak_rss_mib']:.1f} MiB{procs} | {s['health_ms']:.0f} ms | {ready} |")
    if "cli" in report:
        lines.append("")
        lines.append("| command (whole process) | mean | median | min | runs |")
        lines.append("|---|---:|---:|---:|---:|")
        for label, c in report["cli"].items():
            lines.append(f"| `{label}` | {c['mean_ms']:.1f} ± {c['stdev_ms']:.1f} ms | {c['median_ms']:.1f} ms | "
                         f"{c['min_ms']:.1f} ms | {c['runs']} ({c['tool']}) |")
        lines.append("")
        for name, counts in report.get("dependencies", {}).items():
            lines.append(f"- generated project `{name}`: {counts['normal']} crates in its normal dependency "
                         f"tree, {counts['normal,build']} with build dependencies (`cargo tree -e normal --prefix none`, deduplicated)")
        if "cold_builds_s" in report:
            cb = report["cold_builds_s"]
            lines.append(f"- cold build of the default project (empty target dir, crates already downloaded): "
                         f"debug {cb['debug']:.0f} s, release {cb['release']:.0f} s")
    lines.append("")
    lines.extend(target_lines(report, pg_projects))
    if report["failures"]:
        lines.append("")
        lines.append("FAILED scenarios (a response with an unexpected status, or none):")
        lines.extend(f"- {f}" for f in report["failures"])
    if report["peer_failures"]:
        lines.append("")
        lines.append("The peer failed (its ratio is computed from the requests it did answer):")
        lines.extend(f"- {f}" for f in report["peer_failures"])
    return "\n".join(lines) + "\n"


def target_lines(report, pg_projects):
    out = ["Targets (issues 7, 13 and 16):"]

    def check(ok, text):
        out.append(f"- [{'met' if ok else 'MISSED'}] {text}")

    sc = report["scenarios"]
    if sc:
        def ratio(scenario, name):
            per, peer = sc[scenario], baseline(name, pg_projects)
            return (per[name]["rps"] / per[peer]["rps"]
                    if name in per and per.get(peer, {}).get("rps") else 0)

        ours = [name for name in ("hs256", "eddsa", "fields8", *pg_projects) if name in sc["health"]]
        if "plain" in sc["health"]:
            for name in ours:
                share = sc["health"][name]["rps"] / sc["health"]["plain"]["rps"]
                check(share >= 0.85, f"{name} /health ≥ 85% of plain axum's: {share:.0%}")
            if "plain-headers" in sc["health"]:
                bytes_share = sc["health"]["plain-headers"]["rps"] / sc["health"]["plain"]["rps"]
                out.append(f"- [info] plain axum sending a generated server's `/health` bytes (its "
                           f"headers and body, as constants): {bytes_share:.0%} of plain axum's")
                for name in ours:
                    share = sc["health"][name]["rps"] / sc["health"]["plain-headers"]["rps"]
                    out.append(f"- [info] {name} /health: {share:.0%} of plain axum sending the "
                               f"same bytes")
        lst = "list (10 tasks)"
        wanted = {lst: {"hs256": 12, "eddsa": 12, "pg256": 12},
                  "403 other user's path": {"hs256": 12, "eddsa": 12, "pg256": 12},
                  "401 bad signature": {"hs256": 10, "eddsa": 4, "pg256": 10}}
        for scenario, per_name in wanted.items():
            for name, times in per_name.items():
                if name in sc[scenario]:
                    r = ratio(scenario, name)
                    peer = ("the peer on PostgreSQL" if baseline(name, pg_projects) == "peer-pg"
                            else "the peer")
                    check(r >= times, f"{name} {scenario.split(' (')[0]} ≥ {times}× {peer}: {r:.1f}×")
        for name in ours:
            worst = max((per[name]["p99_ms"], scenario) for scenario, per in sc.items() if name in per)
            check(worst[0] <= 5, f"{name} p99 ≤ 5 ms on every route at 32 connections: worst {worst[0]:.2f} ms ({worst[1]})")
        srv = report["servers"]
        for name in ours:
            check(srv[name]["peak_rss_mib"] <= 20, f"{name} peak memory ≤ 20 MiB: {srv[name]['peak_rss_mib']:.1f} MiB")
            check(srv[name]["ready_ms"] < 100, f"{name} ready (200 on /ready) in < 100 ms: {srv[name]['ready_ms']:.0f} ms"
                  + (" (keys fetched from a loopback JWKS)" if name == "eddsa"
                     else " (the database on loopback)" if name in pg_projects else " (no network)"))
        if "fields8" in sc[lst] and "hs256" in sc[lst]:
            share = sc[lst]["fields8"]["rps"] / sc[lst]["hs256"]["rps"]
            check(share >= 0.85, f"list of eight fields within 15% of the tasks list: {share:.0%}")
    flooded = report.get("flood")
    if flooded and flooded["verdict"] == "ok":
        line = (f"- [info] hs256 with its default rate limits, flooded from one address: "
                f"{fmt_int(flooded['rps'])} req/s, p99 {flooded['p99_ms']:.2f} ms, all 429 but "
                f"{flooded['passed']} (the limit lets at most {flooded['allowed']} through)")
        if "plain" in sc.get("health", {}):
            line += f"; {flooded['rps'] / sc['health']['plain']['rps']:.0%} of plain axum's /health"
        out.append(line)
    if "cold_builds_s" in report:
        t = report["cold_builds_s"]["debug"]
        check(t <= 90, f"cold `cargo build` of a fresh default project ≤ 90 s: {t:.0f} s")
    if "rebuild" in report:
        t = report["rebuild"]["median_s"]
        check(t < 10, f"five-resource project rebuilt after touching a route in < 10 s: {t:.1f} s")
    if "cli" in report:
        for label, c in report["cli"].items():
            check(c["mean_ms"] < 20, f"`{label}` < 20 ms: {c['mean_ms']:.1f} ms")
    return out


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "serve-jwks":
        serve_jwks(int(sys.argv[2]), sys.argv[3])
    else:
        try:
            sys.exit(main(sys.argv[1:]))
        except RuntimeError as error:
            print(f"bench: {error}", file=sys.stderr)
            sys.exit(2)
