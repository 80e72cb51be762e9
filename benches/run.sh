#!/usr/bin/env bash
# The benchmark of issues 7, 13 and 16: the generated server on SQLite (HS256, Better Auth EdDSA,
# and HS256 with tasks of eight fields) against the FastAPI peer on SQLite, the generated HS256
# server on PostgreSQL against the same peer on PostgreSQL, with a plain axum server as the
# ceiling of `/health`, and the CLI. Not part of `cargo test`. From the repository root:
#
#   benches/run.sh                 # about 12 minutes once built; prints the report
#   benches/run.sh --only postgres # the PostgreSQL pair alone, about 4 minutes once built
#   benches/run.sh --cold-builds   # also cold debug and release builds of a generated project
#
# Options after the script name go to benches/bench.py: --runs N (wrk runs per scenario and
# server, taken in turn round the servers, best kept; default 2), --duration S (default 10),
# --only servers|postgres|cli
# (servers: every server, SQLite and PostgreSQL; postgres: the PostgreSQL pair alone, and only
# pg256 is generated and built), --cold-builds.
# Environment: PEER_DIR (default ../shared/peers/fastapi-seed beside the repository).
# Needs PostgreSQL's server binaries (initdb, pg_ctl: on PATH or in /usr/lib/postgresql/*/bin;
# `apt-get install postgresql`) unless --only cli.
#
# What it does, all under target/bench/:
#   1. installs wrk (apt-get) when missing; creates the venv target/bench/venv and installs the
#      peer's dependencies and its PostgreSQL driver (psycopg), pinned in benches/requirements.txt;
#   2. builds authgate (release), generates four projects (`--provider shared-secret --alg HS256`,
#      the default Better Auth EdDSA one, the HS256 one with eight fields, and `pg256`, the HS256
#      one with `--storage postgres`), each with the Cargo.lock authgate writes (the versions its
#      tests ran), and builds them and benches/plain-axum in release mode into one
#      CARGO_TARGET_DIR, target/bench/cargo;
#   3. bench.py: starts the peer (uvicorn[standard], 2 workers), the three SQLite servers and
#      plain axum (`/health` only) twice, answering `ok` and (`plain-headers`) answering a
#      generated server's `/health` bytes from constants, on 127.0.0.1 with fresh SQLite files and the rate limit off, a
#      loopback JWKS with an Ed25519 key made at run time; then a throwaway PostgreSQL cluster in
#      target/bench/pg (made afresh, loopback only, a free port, default settings; as root it
#      runs as `nobody`; stopped at the end) with a database for the peer and one for pg256, and
#      on it the peer again (`peer-pg`, seeded by its seed.py) and pg256; mints tokens, seeds 10
#      tasks for u1 (and 1 for u2) through each API, runs `wrk -t2 -c32 -d10s --latency` with the
#      peer's lua/bench.lua (EXPECT) for each scenario and server (plain axum: `/health` only),
#      and prints the table (also in target/bench/results.md and results.json), pg256's
#      "× peer" against peer-pg; last, the HS256 server again with its default rate limits,
#      flooded from one address by the same wrk: every request past the limit is a 429, and
#      what that costs is the report's "flooded" line, beside plain axum's `/health`.
# Exit status: 0 when every response had its expected status, 1 when a scenario failed, 2 when
# something could not be built or started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
work=$repo/target/bench
peer=${PEER_DIR:-$repo/../shared/peers/fastapi-seed}
peer=$(cd "$peer" && pwd)
mkdir -p "$work"
log() { printf 'bench: %s\n' "$*" >&2; }

# 1. Tools.
if ! command -v wrk >/dev/null; then
    log "installing wrk"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
if ! command -v hyperfine >/dev/null; then
    # Optional: without it `authgate new` is timed by a loop in bench.py.
    apt-get install -y hyperfine >/dev/null 2>&1 || log "hyperfine not installed; timing with a loop"
fi
venv=$work/venv
stamp=$venv/.requirements.sha256
want=$(sha256sum benches/requirements.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "creating $venv with the peer's dependencies"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r benches/requirements.txt
    echo "$want" >"$stamp"
fi

# 2. Builds. The generated projects share one target dir; their dependencies build once.
log "building authgate (release)"
cargo build --release --quiet
authgate=$repo/target/release/authgate
export CARGO_TARGET_DIR=$work/cargo
generate() { # name, flags...: generate afresh, but touch only the files that changed, so that
    # an unchanged project is not recompiled (cargo compares modification times)
    local name=$1 fresh=$work/$1.new dest=$work/$1 f
    shift
    rm -rf "$fresh"
    "$authgate" new "$fresh" --yes --quiet --vcs none --name "$name" "$@"
    mkdir -p "$dest"
    (cd "$fresh" && find . -type f) | while read -r f; do
        cmp -s "$fresh/$f" "$dest/$f" || { mkdir -p "$(dirname "$dest/$f")" && cp "$fresh/$f" "$dest/$f"; }
    done
    (cd "$dest" && find . -type f) | while read -r f; do
        [ -e "$fresh/$f" ] || rm -f "$dest/$f"
    done
    rm -rf "$fresh"
    log "building $name (release)"
    (cd "$dest" && cargo build --release --quiet)
}
only= prev=
for arg in "$@"; do # --only postgres builds pg256 alone
    case $prev in --only) only=$arg ;; esac
    case $arg in --only=*) only=${arg#--only=} ;; esac
    prev=$arg
done
sqlite=()
if [ "$only" != postgres ]; then
    generate hs256 --provider shared-secret --alg HS256
    generate eddsa
    # The HS256 project, with tasks of eight fields (issue 13: its list within 15% of `hs256`'s).
    generate fields8 --provider shared-secret --alg HS256 --resource tasks \
        --field title:string --field 'description:string(2000)?' --field completed:bool=false \
        --field 'due:date?' --field 'priority:enum(low|normal|high)=normal' --field 'estimate:int?' \
        --field 'remind_at:datetime?' --field 'assignee:uuid?'

    # The baseline: plain axum with one route, built with the same toolchain and its own lock file.
    log "building plain-axum (release)"
    cargo build --release --quiet --locked --manifest-path benches/plain-axum/Cargo.toml
    sqlite=(--project "hs256=$CARGO_TARGET_DIR/release/hs256"
            --project "eddsa=$CARGO_TARGET_DIR/release/eddsa"
            --project "fields8=$CARGO_TARGET_DIR/release/fields8"
            --plain "$CARGO_TARGET_DIR/release/plain-axum")
fi
# The HS256 project on PostgreSQL (issue 16), against the peer on PostgreSQL.
generate pg256 --provider shared-secret --alg HS256 --storage postgres

# 3. Measurements and the report.
exec "$venv/bin/python" benches/bench.py --repo "$repo" --work "$work" --authgate "$authgate" \
    --peer "$peer" --venv "$venv" --cargo-target "$CARGO_TARGET_DIR" "${sqlite[@]}" \
    --postgres-project "pg256=$CARGO_TARGET_DIR/release/pg256" "$@"
