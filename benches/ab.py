"""Interleaved A/B rounds of one scenario over a few servers: the tool behind the files of
benches/proposed/ that compare one change at a time. Not part of `cargo test`.

    target/bench/venv/bin/python benches/ab.py ROUNDS SECONDS SCENARIO KIND:NAME=BINARY[,VAR=VALUE...]...

SCENARIO is one of health, list, other (403), bad (401), missing (401, no token at all),
create. KIND is how the binary is
run and seeded: `hs` (a shared-secret HS256 SQLite project, 10 tasks for u1), `f8` (the same
with the eight-field tasks of benches/run.sh), `pg` (a shared-secret HS256 PostgreSQL project,
in a throwaway cluster under target/bench/ab/pg, whose CPU per request is printed too), `ed` (a Better Auth EdDSA project, its keys from
a loopback JWKS) or `plain` (benches/plain-axum, /health only). Each round runs wrk
(-t2 -c32) once against every server in turn; it prints each run's requests per second, p50 and p99
and the server's CPU time per request (from /proc, user and system), the rest of the
machine's busy time per request (`rest`: wrk, other processes, interrupts), the server's threads'
context switches per request (`switched out V + I preempted`: voluntary, when a thread waits,
and involuntary, when the kernel preempts it; /proc/PID/task/*/status) and the machine's idle
and steal shares (/proc/stat), then each server's median and range. With PERF=1 in the environment, `perf record -g` (PERF=dwarf: `--call-graph dwarf`) samples each server during
each of its runs, into target/bench/ab/NAME-ROUND.perf.data; PERF=stat counts context switches,
migrations and system calls and prints them per request (PERF_EVENTS=a,b counts those events
instead: `perf probe -x /lib/x86_64-linux-gnu/libc.so.6 malloc` first, then
PERF_EVENTS=probe_libc:malloc counts calls to malloc; with PERF=1 or dwarf, it records every
one of those events with its call stack instead of timed samples). CONNECTIONS=N opens N connections instead of 32 (wrk -t1 for one). WRK_SCHED=batch runs wrk under
SCHED_BATCH (`chrt --batch 0`), whose wake-ups do not preempt the server: a diagnostic of what
sharing the cores with the load generator costs, never a benchmark figure. Needs wrk and the venv
benches/run.sh makes. `,VAR=VALUE` after a binary sets a variable of that server's environment
alone (`pg:pool4=target/bench/cargo/release/pg256,DATABASE_MAX_CONNECTIONS=4`); `{VAR}` in a
value is the variable's value before it (`DATABASE_URL={DATABASE_URL}?options=...`).
"""

import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402

SCENARIOS = {
    "health": ("GET", "/health", None, 200),
    "list": ("GET", f"/api/{bench.USER}/tasks", "good", 200),
    "other": ("GET", f"/api/{bench.OTHER_USER}/tasks", "good", 403),
    "bad": ("GET", f"/api/{bench.USER}/tasks", "bad", 401),
    "missing": ("GET", f"/api/{bench.USER}/tasks", None, 401),
    "create": ("POST", f"/api/{bench.USER}/tasks", "good", 201),
}


# Clock ticks a second, the unit of /proc's CPU times.
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    """User and system CPU time of the processes `pids`, in seconds."""
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def switches(pids):
    """Voluntary and involuntary context switches of every thread of the processes `pids`
    (from /proc/PID/task/*/status; a thread that ended meanwhile is not counted)."""
    voluntary = involuntary = 0
    for pid in pids:
        for status in Path(f"/proc/{pid}/task").glob("*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            for line in text.splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    voluntary += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    involuntary += int(line.split()[1])
    return voluntary, involuntary


def machine_ticks():
    """The machine's CPU time since boot from /proc/stat, in clock ticks: (busy, idle, steal).
    Busy is user, nice, system, irq and softirq; idle counts iowait; guest time is already in
    user."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq, idle + iowait, steal


def postgres_pids():
    """Every process of the cluster (postmaster, backends, background workers)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if Path(proc, "exe").resolve().name == "postgres":
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def apply(settings, env):
    """Sets each `VAR=VALUE` of `settings` in `env`; `{VAR}` in a value is the variable's value
    before it."""
    for setting in settings:
        var, sep, value = setting.partition("=")
        if not sep:
            raise SystemExit(f"`{setting}`: a server's setting is VAR=VALUE")
        try:
            env[var] = value.format(**env)
        except KeyError as missing:
            raise SystemExit(f"`{setting}`: {missing} is not in that server's environment")


def main(argv):
    rounds, seconds, scenario = int(argv[0]), int(argv[1]), argv[2]
    method, path, token_kind, expect = SCENARIOS[scenario]
    work = Path(__file__).resolve().parent.parent / "target" / "bench" / "ab"
    work.mkdir(parents=True, exist_ok=True)

    class Args:
        connections = int(os.environ.get("CONNECTIONS", "32"))
        threads, duration = min(2, connections), seconds
        peer_lua = Path(__file__).resolve().parent.parent.parent / "shared/peers/fastapi-seed/lua/bench.lua"
        post_lua = Path(__file__).resolve().parent / "lua" / "post.lua"

    # A diagnostic, never a benchmark figure: wrk under SCHED_BATCH, whose wake-ups do not
    # preempt the server's threads.
    wrk_prefix = ["chrt", "--batch", "0"] if os.environ.get("WRK_SCHED") == "batch" else []
    if not Args.peer_lua.exists():
        Args.peer_lua = Path(os.environ["PEER_DIR"]) / "lua" / "bench.lua"

    secret = "ab-" + "s" * 61
    hs = bench.hs256_tokens(secret)
    base_env = {k: v for k, v in os.environ.items() if k != "RUST_LOG"}
    base_env.update(APP_ENV="development", HOST=bench.LOOPBACK, RATE_LIMIT_PER_SECOND="0",
                    RATE_LIMIT_PER_USER_PER_SECOND="1000000000",
                    RATE_LIMIT_PER_USER_BURST="1000000000",
                    CORS_ALLOWED_ORIGINS="http://localhost:3000")
    servers, tokens, helpers, pg = [], {}, [], None
    try:
        for spec in argv[3:]:
            kind, rest = spec.split(":", 1)
            name, rest = rest.split("=", 1)
            binary, *settings = rest.split(",")
            port = bench.free_port()
            env = dict(base_env, PORT=str(port))
            if kind == "plain":
                apply(settings, env)
                servers.append(bench.Server(name, name, [binary], env, work, work / f"{name}.log", port))
                continue
            if kind == "pg":
                if pg is None:
                    pg = bench.Postgres(work / "pg")
                pg.create_database(name)
                env["DATABASE_URL"] = pg.url(name)
            else:
                db = work / f"{name}.db"
                bench.fresh_sqlite(db)
                env["DATABASE_URL"] = f"sqlite://{db}"
            if kind in ("hs", "f8", "pg"):
                env["JWT_SECRET"] = secret
                toks = hs
            elif kind == "ed":
                helper, origin, toks = bench.start_jwks(work / f"{name}-jwks.json")
                helpers.append(helper)
                env["BETTER_AUTH_URL"] = origin
            else:
                raise SystemExit(f"unknown kind `{kind}` (hs, f8, ed, pg, plain)")
            apply(settings, env)
            server = bench.Server("fields8" if kind == "f8" else name, name, [binary], env, work,
                                  work / f"{name}.log", port, ready_path="/ready")
            server.label = name
            servers.append(server)
            bench.seed(server, toks["good"], {bench.USER: toks["good"], bench.OTHER_USER: toks["other"]})
            tokens[name] = toks

        results = {s.label: [] for s in servers}
        for r in range(rounds):
            for server in servers:
                if token_kind and server.label not in tokens:
                    continue
                token = tokens[server.label][token_kind] if token_kind else None
                body = bench.CREATE_BODY if method == "POST" else None
                pids = server.pids()
                before = cpu_seconds(pids)
                switches_before = switches(pids)
                pg_before = cpu_seconds(postgres_pids()) if pg else 0
                machine_before = machine_ticks()
                perf = None
                stat_file = work / f"{server.label}-{r + 1}.stat"
                # A count left by an earlier run must never be read as this one's.
                stat_file.unlink(missing_ok=True)
                if os.environ.get("PERF") == "stat":
                    perf = subprocess.Popen(
                        ["perf", "stat", "-x", ",", "-e",
                         os.environ.get("PERF_EVENTS",
                                        "context-switches,cpu-migrations,raw_syscalls:sys_enter"),
                         "-p", str(server.proc.pid),
                         "-o", str(stat_file), "--",
                         "sleep", str(seconds)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                elif os.environ.get("PERF"):
                    perf = subprocess.Popen(
                        ["perf", "record", "-q",
                         # Every event counted (`-c 1`) when they are named; else timed samples.
                         *(["-e", os.environ["PERF_EVENTS"], "-c", "1"] if os.environ.get("PERF_EVENTS")
                           else ["-F", "1999"]),
                         *(["--call-graph", "dwarf,16384"] if os.environ["PERF"] == "dwarf" else ["-g"]),
                         "-p", str(server.proc.pid),
                         "-o", str(work / f"{server.label}-{r + 1}.perf.data"), "--",
                         "sleep", str(seconds)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                res = bench.run_wrk(Args, f"http://{bench.LOOPBACK}:{server.port}{path}", token,
                                    expect, body, prefix=wrk_prefix)
                # The machine first, before this script's own walk of /proc adds to it.
                busy, idle, steal = (b - a for a, b in zip(machine_before, machine_ticks()))
                pids = server.pids()
                cpu = cpu_seconds(pids) - before
                voluntary, involuntary = (b - a for a, b in zip(switches_before, switches(pids)))
                if perf:
                    _, perf_errors = perf.communicate()
                    if perf.returncode != 0:
                        raise SystemExit(f"perf failed ({perf.returncode}): {perf_errors.strip()}")
                pg_cpu = cpu_seconds(postgres_pids()) - pg_before if pg else 0
                n = res.get("requests") or float("nan")
                per, pg_per = cpu / n * 1e6, pg_cpu / n * 1e6
                # The rest of the machine's busy time: wrk, and any other process or interrupt.
                rest = (busy / TICKS - cpu - pg_cpu) / n * 1e6
                spent = (busy + idle + steal) or 1
                counts = ""
                if os.environ.get("PERF") == "stat":
                    # Events per request; perf stat counted for `seconds`, wrk ran as long.
                    for line in stat_file.read_text().splitlines():
                        fields = line.split(",")
                        if len(fields) > 2 and fields[0].replace(".", "").isdigit():
                            counts += f"  {fields[2].split(':')[-1]} {float(fields[0]) / n:.2f}/req"
                results[server.label].append((res["rps"], res["p99_ms"], per))
                print(f"round {r + 1} {server.label:>12}: {res['rps']:>10.0f} req/s  "
                      f"p50 {res['p50_ms']:6.2f} ms  p99 {res['p99_ms']:6.2f} ms  cpu {per:6.1f} us/req"
                      + (f"  postgres {pg_per:6.1f} us/req" if pg else "")
                      + f"  rest {rest:5.1f} us/req  idle {100 * idle / spent:4.1f}%"
                      + f"  steal {100 * steal / spent:4.1f}%"
                      + f"  switched out {voluntary / n:.2f} + {involuntary / n:.2f} preempted /req"
                      + counts
                      + f"  {res['verdict']}",
                      flush=True)
        print()
        for label, runs in results.items():
            if not runs:
                continue
            rps = [x[0] for x in runs]
            p99 = [x[1] for x in runs]
            cpu = [x[2] for x in runs]
            print(f"{label:>12}: median {statistics.median(rps):>10.0f} req/s "
                  f"(range {min(rps):.0f} - {max(rps):.0f}), p99 {min(p99):.2f} - {max(p99):.2f} ms, "
                  f"cpu {min(cpu):.1f} - {max(cpu):.1f} us/req")
    finally:
        for server in servers:
            server.stop()
        for helper in helpers:
            helper.kill()
        if pg:
            pg.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
