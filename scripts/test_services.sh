#!/usr/bin/env bash
# System services the test suite uses for real: Debian's Chromium (browser tests), a
# PostgreSQL server (the hub's storage tests run against it as well as SQLite) and Redis
# (the cluster tests start their own redis-server processes on free ports).
# Installs them with apt when missing (CI runs as root on a clean machine), starts
# PostgreSQL, and prints the URL of a throw-away test database on stdout.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing system packages: ${need[*]} (install them with apt as root)." >&2
    exit 1
  fi
  echo "==> Installing ${need[*]} from Debian" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  # Debian starts the packaged Redis; the tests run their own.
  systemctl disable --now redis-server >/dev/null 2>&1 || true
fi

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
cluster_ok=$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1==v && $2=="main"' | wc -l)
[ "$cluster_ok" -gt 0 ] || pg_createcluster "$version" main >&2
pg_ctlcluster "$version" main start >&2 2>/dev/null || true
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')

# A role and database only for tests; the password is generated per machine, never committed.
secret_file=/var/lib/postgresql/.tandem-test-password
if [ ! -s "$secret_file" ]; then
  head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$secret_file"
  chown postgres "$secret_file"; chmod 600 "$secret_file"
fi
password=$(cat "$secret_file")
su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_roles WHERE rolname='tandem_test'\"" | grep -q 1 \
  || su postgres -c "psql -q -p $port -c \"CREATE ROLE tandem_test LOGIN PASSWORD '$password' CREATEDB\"" >&2
su postgres -c "psql -q -p $port -c \"ALTER ROLE tandem_test PASSWORD '$password'\"" >&2
# Dropping a test database WITH (FORCE) ends the sessions still in it; an autovacuum worker
# that started on it belongs to no role, and only pg_signal_backend may end it.
su postgres -c "psql -q -p $port -c \"GRANT pg_signal_backend TO tandem_test\"" >&2
echo "postgresql+psycopg://tandem_test:${password}@127.0.0.1:${port}/postgres"
