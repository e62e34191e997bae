#!/usr/bin/env bash
# The recommendation system on Redis and PostgreSQL, on loopback: Redis (AOF everysec) as the
# action bus and the shared History store, PostgreSQL holding the daily batches (the demo data set,
# uploaded with `reco load-batch`), 2x History, 2x Similarity, 1x Candidates and 1x SearchHome,
# each its own `reco serve` process.
#
#   scripts/cluster.sh                     start, print the addresses, run until Ctrl-C
#   scripts/cluster.sh --duration 120      ... and stop by itself after 120 s
#   scripts/cluster.sh -- CMD ARGS...      start, run CMD (with CLUSTER_* set, see below), stop
#   scripts/cluster.sh --scenario [ARGS]   start, run `loadtest scenario ARGS` against it, stop
#
# CMD sees CLUSTER_SEARCHHOME (host:port), CLUSTER_HISTORY (host:port,host:port), CLUSTER_REDIS
# (host:port), CLUSTER_POSTGRES (URL), CLUSTER_DIR, CLUSTER_PIDS ("name=pid ..."). Everything lives
# in a temporary folder (CLUSTER_DIR to choose it; logs in $CLUSTER_DIR/logs) and every process
# is stopped on exit. PostgreSQL refuses to run as root: as root, it runs as the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=""
searchhome_port=50061
command=()
scenario=false
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --port) searchhome_port="$2"; shift 2 ;;
    --scenario) scenario=true; shift; command=("$@"); break ;;
    --) shift; command=("$@"); break ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "cluster.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

for tool in redis-server redis-cli psql; do
  command -v "$tool" >/dev/null || { echo "cluster.sh: $tool is missing: run scripts/setup.sh" >&2; exit 1; }
done
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pg_bin/postgres" ] || { echo "cluster.sh: PostgreSQL server is missing: run scripts/setup.sh" >&2; exit 1; }

echo "cluster: building reco (release)" >&2
swift build -c release --product reco >/dev/null
$scenario && swift build -c release --product loadtest >/dev/null
bin=$(swift build -c release --show-bin-path)

dir=${CLUSTER_DIR:-$(mktemp -d /tmp/courier-cluster.XXXXXX)}
mkdir -p "$dir/logs" "$dir/redis" "$dir/pg"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pids=()
names=()
pg_pid=""
redis_port=""
cleanup() {
  set +e
  for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}" 2>/dev/null; done
  for i in "${!pids[@]}"; do
    for _ in $(seq 100); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pids[$i]}" 2>/dev/null
  done
  [ -n "$redis_port" ] && redis-cli -p "$redis_port" shutdown >/dev/null 2>&1
  if [ -n "$pg_pid" ]; then
    kill -INT "$pg_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pg_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  wait 2>/dev/null
  echo "cluster: stopped (logs in $dir/logs)" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Redis: the action bus and the shared History store.
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes --appendfsync everysec \
  --save "" --daemonize no --logfile "$dir/logs/redis.log" &
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" ping >/dev/null || { echo "cluster: Redis did not start (see $dir/logs/redis.log)" >&2; exit 1; }

# PostgreSQL: a fresh cluster in the temporary folder, as an unprivileged user.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chmod 755 "$dir"   # mktemp's folder is root's alone: the postgres user must reach its own below it
  chown postgres:postgres "$dir/pg"
  as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
pg_port=$(free_port)
"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/pg/data" -U reco --auth=trust -E UTF8 --locale=C --no-sync >"$dir/logs/initdb.log" 2>&1
"${as_pg[@]}" "$pg_bin/postgres" -D "$dir/pg/data" -p "$pg_port" -k "$dir/pg" -c listen_addresses=127.0.0.1 \
  >"$dir/logs/postgres.log" 2>&1 &
pg_pid=$!
for _ in $(seq 150); do psql -h 127.0.0.1 -p "$pg_port" -U reco -d postgres -tAc 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
psql -h 127.0.0.1 -p "$pg_port" -U reco -d postgres -tAc 'CREATE DATABASE reco' >/dev/null
postgres_url="postgres://reco@127.0.0.1:$pg_port/reco"

# The day's batch: the demo data set, uploaded into PostgreSQL.
"$bin/reco" demo-data --out "$dir/batch" >"$dir/logs/demo-data.log" 2>&1
"$bin/reco" load-batch "$dir/batch" --postgres "$postgres_url" >"$dir/logs/load-batch.log" 2>&1

# start NAME ARGS...: one `reco serve` process on a free port; its port in $port.
start() {
  local name=$1; shift
  "$bin/reco" serve --threads 1 --port 0 --port-file "$dir/$name.port" --data-dir "$dir/$name" "$@" >"$dir/logs/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
  for _ in $(seq 600); do [ -s "$dir/$name.port" ] && break; kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.1; done
  [ -s "$dir/$name.port" ] || { echo "cluster: $name did not start (see $dir/logs/$name.log)" >&2; tail -5 "$dir/logs/$name.log" >&2; exit 1; }
  port=$(cat "$dir/$name.port")
}

start history-1 --service history --redis "127.0.0.1:$redis_port" --no-metrics; history_1=$port
start history-2 --service history --redis "127.0.0.1:$redis_port" --no-metrics; history_2=$port
start similarity-1 --service similarity --postgres "$postgres_url" --no-metrics; similarity_1=$port
start similarity-2 --service similarity --postgres "$postgres_url" --no-metrics; similarity_2=$port
start candidates --service candidates --postgres "$postgres_url" --no-metrics; candidates=$port
rm -f "$dir/searchhome.port"
"$bin/reco" serve --threads 1 --port "$searchhome_port" --port-file "$dir/searchhome.port" --data-dir "$dir/searchhome" \
  --service searchhome --history "127.0.0.1:$history_1,127.0.0.1:$history_2" \
  --similarity "127.0.0.1:$similarity_1,127.0.0.1:$similarity_2" --candidates "127.0.0.1:$candidates" \
  >"$dir/logs/searchhome.log" 2>&1 &
pids+=($!)
names+=(searchhome)
for _ in $(seq 600); do [ -s "$dir/searchhome.port" ] && break; kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.1; done
[ -s "$dir/searchhome.port" ] || { echo "cluster: searchhome did not start (see $dir/logs/searchhome.log)" >&2; exit 1; }

export CLUSTER_SEARCHHOME="127.0.0.1:$searchhome_port"
export CLUSTER_HISTORY="127.0.0.1:$history_1,127.0.0.1:$history_2"
export CLUSTER_REDIS="127.0.0.1:$redis_port"
export CLUSTER_POSTGRES="$postgres_url"
export CLUSTER_DIR="$dir"
CLUSTER_PIDS=""
for i in "${!pids[@]}"; do CLUSTER_PIDS+="${names[$i]}=${pids[$i]} "; done
export CLUSTER_PIDS
cat >&2 <<EOF
cluster: serving
  SearchHome   $CLUSTER_SEARCHHOME (metrics http://127.0.0.1:9464/metrics)
  History      $CLUSTER_HISTORY (on Redis $CLUSTER_REDIS)
  Similarity   127.0.0.1:$similarity_1,127.0.0.1:$similarity_2 (batches from $CLUSTER_POSTGRES)
  Candidates   127.0.0.1:$candidates
  logs         $dir/logs
  load         swift run -c release loadtest scenario --target $CLUSTER_SEARCHHOME --history-target $CLUSTER_HISTORY --users-file $dir/batch/demo/users.tsv
EOF

if $scenario; then
  "$bin/loadtest" scenario --target "$CLUSTER_SEARCHHOME" --history-target "$CLUSTER_HISTORY" \
    --users-file "$dir/batch/demo/users.tsv" "${command[@]}"
elif [ ${#command[@]} -gt 0 ]; then
  "${command[@]}"
elif [ -n "$duration" ]; then
  sleep "$duration"
else
  echo "cluster: Ctrl-C stops everything" >&2
  wait "${pids[@]}"
fi
