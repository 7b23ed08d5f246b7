# Shared by Ops/demo, Ops/test and Ops/bench. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the Debian packages a fresh machine lacks: the C libraries (libpwquality with cracklib's
# dictionary among them), pkg-config, PostgreSQL, Python for schemathesis, and the NAT lab's tools
# (iproute2, nftables, conntrack, tcpdump: Ops/netlab and its tests), and coturn's turnserver
# (JuiceRelayTests, the lab).
ensure_packages() {
    ensure_debs libsodium-dev libpq-dev libpwquality-dev cracklib-runtime pkg-config postgresql postgresql-client postgresql-contrib openssl curl wrk python3 python3-venv \
        iproute2 nftables conntrack coturn tcpdump
    command -v swift >/dev/null || die "Swift is not installed (need Swift 6.2 or newer on PATH)"
}

# Installs those of the given Debian packages that are missing (apt-get update first, once).
ensure_debs() {
    local wanted=("$@")
    local missing=()
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        say "installing ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# The directory of initdb/pg_ctl.
pg_bindir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$dir" ] || die "PostgreSQL server binaries not found"
    echo "$dir"
}

# Runs a command as the cluster owner: postgres when we are root (initdb refuses root).
as_pg_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a throwaway cluster in $1 (Unix socket only) and exports PG* to reach it. With a non-empty
# $2 the cluster keeps PostgreSQL's durable defaults (fsync, synchronous commit), as benchmarks want.
start_throwaway_cluster() {
    local dir="$1" durable="${2:-}" bin
    bin="$(pg_bindir)"
    mkdir -p "$dir/socket"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$dir"; chmod 755 "$dir"; fi
    say "starting a throwaway PostgreSQL cluster in $dir"
    as_pg_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir/socket'
max_connections = 300
shared_buffers = 1GB
CONF
    [ -n "$durable" ] || printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >>"$dir/data/postgresql.conf"
    as_pg_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null \
        || { cat "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
    export PGHOST="$dir/socket" PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
}

stop_throwaway_cluster() {
    local dir="$1"
    [ -d "$dir/data" ] && as_pg_owner "$(pg_bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
