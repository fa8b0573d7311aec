#!/usr/bin/env bash
# The one test command. Installs and starts what the tests need, then runs the whole suite.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh --filter X      # extra arguments go to `dotnet test`
#
# Chromium: installed from the distribution's packages when missing (the Console's browser tests).
#
# PostgreSQL: if HOOKLINE_TEST_POSTGRES is already set it is used as is. Otherwise the script
# installs PostgreSQL from the distribution's packages when it is missing (needs root or sudo),
# starts a private throw-away cluster on 127.0.0.1:${HOOKLINE_TEST_PG_PORT:-54329} under
# .tmp/postgres, and exports HOOKLINE_TEST_POSTGRES. Under CI=true a test whose server is missing
# fails; it never skips.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m[test.sh]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else return 1
  fi
}

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

apt_updated=
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq </dev/null >&2 || return 1; apt_updated=1; fi
  as_root apt-get install -y -qq --no-install-recommends "$@" </dev/null >&2
}

install_postgres() {
  log "PostgreSQL is not installed; installing it from the distribution's packages"
  apt_install postgresql postgresql-contrib
}

start_postgres() {
  local bindir port dir run_as
  bindir="$(pg_bindir)" || return 1
  port="${HOOKLINE_TEST_PG_PORT:-54329}"
  dir="$root/.tmp/postgres"
  # initdb and postgres refuse to run as root; use the postgres system user then.
  run_as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    run_as=(runuser -u postgres --)
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    "${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2; return 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
CONF
    # The multinode benchmark counts statements per delivery with it, when the server ships it.
    if [ -f "$(dirname "$bindir")/lib/pg_stat_statements.so" ]; then
      echo "shared_preload_libraries = 'pg_stat_statements'" >>"$dir/data/postgresql.conf"
    fi
  fi
  if ! "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$port"
    "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null || {
      cat "$dir/server.log" >&2; return 1; }
  fi
  local psql=("${run_as[@]}" "$bindir/psql" -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='hookline'")" != 1 ]; then
    "${psql[@]}" -c "create role hookline login superuser password 'hookline'" >/dev/null
  fi
  if [ "$("${psql[@]}" -c "select 1 from pg_database where datname='hookline_test'")" != 1 ]; then
    "${psql[@]}" -c "create database hookline_test owner hookline" >/dev/null
  fi
  export HOOKLINE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=hookline;Password=hookline;Database=hookline_test;Maximum Pool Size=50"
}

if [ -z "${HOOKLINE_TEST_POSTGRES:-}" ]; then
  if ! pg_bindir >/dev/null; then install_postgres || log "could not install PostgreSQL"; fi
  if start_postgres; then
    log "HOOKLINE_TEST_POSTGRES=$HOOKLINE_TEST_POSTGRES"
  elif [ "${CI:-}" = "true" ]; then
    log "PostgreSQL is required under CI=true and could not be started"; exit 1
  else
    log "PostgreSQL unavailable: PostgreSQL tests will be skipped (they fail under CI=true)"
  fi
fi

# Chromium drives the Console's browser tests (Playwright for .NET, pointed at Debian's chromium:
# Playwright's own browser download is not reachable). HOOKLINE_TEST_CHROMIUM names another binary.
if [ -z "${HOOKLINE_TEST_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  log "Chromium is not installed; installing it from the distribution's packages"
  apt_install chromium || log "could not install Chromium"
fi
if [ -z "${HOOKLINE_TEST_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then log "Chromium is required under CI=true and could not be installed"; exit 1; fi
  log "Chromium unavailable: browser tests will be skipped (they fail under CI=true)"
fi

# Node.js is needed for the Svix SDK compatibility tests (the official `svix` npm client).
if [ -f test/js/package.json ]; then
  if command -v npm >/dev/null 2>&1; then
    log "installing test/js npm dependencies"
    (cd test/js && npm ci --no-audit --no-fund --loglevel=error </dev/null >&2)
  elif [ "${CI:-}" = "true" ]; then
    log "npm is required under CI=true"; exit 1
  fi
fi

log "building"
dotnet build Hookline.slnx -c Release -warnaserror --nologo -v quiet
# The NuGet packages (and the hookline tool) are packed on every run, so packing cannot break
# unnoticed: each must come out with its symbols package and its README inside.
log "packing"
rm -rf artifacts/packages
scripts/pack.sh artifacts/packages --no-build >/dev/null
for id in Hookline.Signatures Hookline.Receiver.AspNetCore Hookline.Cli; do
  nupkg="artifacts/packages/$id.$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props).nupkg"
  [ -f "$nupkg" ] || { log "packing did not produce $nupkg"; exit 1; }
  [ -f "${nupkg%.nupkg}.snupkg" ] || { log "packing did not produce the symbols package of $id"; exit 1; }
  # Listed into a variable first: 'grep -q' in a pipe would end the lister early (SIGPIPE, a failure under pipefail).
  listing="$(unzip -l "$nupkg" 2>/dev/null || python3 -m zipfile -l "$nupkg")"
  grep -q 'README.md' <<<"$listing" || { log "$nupkg has no README.md"; exit 1; }
done
export HOOKLINE_TEST_PACKAGES="$root/artifacts/packages"

log "running tests"
dotnet test Hookline.slnx -c Release --no-build --nologo --logger "console;verbosity=minimal" "$@"
log "all tests passed"
