#!/usr/bin/env bash
# Server throughput, all in one go: the load generator (socklab-loadgen)
# against four servers on 127.0.0.1, each for the same load:
#   floor      bench/load/epoll_floor.c: single-threaded C epoll upper-case echo
#   select     the C++ select-server reference (upper-case echo, epoll)
#   python     bench/load/py_upper_echo.py: socketserver.ThreadingTCPServer
#   threaded   the C++ threaded-server reference (line protocol: "Hello, L!")
# and checks the targets of issue 5:
#   select   >= 0.8 x floor round trips/s
#   threaded >= 1.5 x python round trips/s
#   select and threaded: server CPU per round trip < 0.5 x python's
#
#   bench/load/run.sh [BUILD_DIR]        (default: build)
#   CONNECTIONS=50 SIZE=64 SECONDS=4 ROUNDS=3 bench/load/run.sh build
#
# Each server runs ROUNDS times, interleaved with the others; the table shows
# the median round. Exit status 1 if a target is missed, 2 if something is
# missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
bin=$build/bin
connections=${CONNECTIONS:-50}
size=${SIZE:-64}
measure=${SECONDS_MEASURED:-${SECONDS_PER_RUN:-4}}
rounds=${ROUNDS:-3}

for b in socklab-loadgen socklab-epoll-floor socklab-select-server socklab-threaded-server; do
  if [ ! -x "$bin/$b" ]; then
    echo "run.sh: missing $bin/$b (cmake --build $build --target $b)" >&2
    exit 2
  fi
done

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

declare -A rps cpu p50 p99
# run NAME PROTOCOL COMMAND... : one round against one server.
run() {
  local name=$1 protocol=$2
  shift 2
  local port pid out
  port=$(free_port)
  "$@" "$port" >/dev/null 2>&1 &
  pid=$!
  if ! out=$("$bin/socklab-loadgen" --port "$port" --connections "$connections" --size "$size" \
      --seconds "$measure" --warmup 1 --protocol "$protocol" --server-pid "$pid" 2>/dev/null); then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "run.sh: the load against $name failed" >&2
    exit 1
  fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # out: rps=.. p50_us=.. p99_us=.. server_cpu_us_per_rt=.. loadgen_cpu_pct=.. bad=..
  local kv
  for kv in $out; do
    case $kv in
      rps=*) rps[$name]+="${kv#*=} " ;;
      p50_us=*) p50[$name]+="${kv#*=} " ;;
      p99_us=*) p99[$name]+="${kv#*=} " ;;
      server_cpu_us_per_rt=*) cpu[$name]+="${kv#*=} " ;;
    esac
  done
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "load: $connections connections x $size-byte requests, one in flight each, ${measure} s measured, median of $rounds rounds"
echo "machine: $(nproc) cores, $(uname -sr), load average $(cut -d" " -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
for ((r = 1; r <= rounds; r++)); do
  run floor upper "$bin/socklab-epoll-floor"
  run select upper "$bin/socklab-select-server"
  run python upper python3 "$here/py_upper_echo.py"
  run threaded hello "$bin/socklab-threaded-server"
done

declare -A M_rps M_cpu M_p50 M_p99
for s in floor select python threaded; do
  M_rps[$s]=$(echo "${rps[$s]}" | median)
  M_cpu[$s]=$(echo "${cpu[$s]}" | median)
  M_p50[$s]=$(echo "${p50[$s]}" | median)
  M_p99[$s]=$(echo "${p99[$s]}" | median)
done

printf '\n%-10s %-9s %14s %9s %9s %16s %9s %9s\n' server protocol "round trips/s" "p50 us" "p99 us" "CPU us/round trip" "x floor" "x python"
for s in floor select python threaded; do
  proto=upper
  [ "$s" = threaded ] && proto=lines
  printf '%-10s %-9s %14.0f %9.1f %9.1f %16.2f %9.2f %9.2f\n' "$s" "$proto" "${M_rps[$s]}" "${M_p50[$s]}" \
    "${M_p99[$s]}" "${M_cpu[$s]}" "$(awk -v a="${M_rps[$s]}" -v b="${M_rps[floor]}" 'BEGIN{print a/b}')" \
    "$(awk -v a="${M_rps[$s]}" -v b="${M_rps[python]}" 'BEGIN{print a/b}')"
done

status=0
check() {  # check DESCRIPTION ACTUAL OP LIMIT
  if awk -v a="$2" -v b="$4" "BEGIN{exit !(a $3 b)}"; then
    printf 'PASS  %-52s %.2f %s %.2f\n' "$1" "$2" "$3" "$4"
  else
    printf 'MISS  %-52s %.2f %s %.2f\n' "$1" "$2" "$3" "$4"
    status=1
  fi
}
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{print a/b}'; }
check "select-server round trips/s vs epoll floor" "$(ratio "${M_rps[select]}" "${M_rps[floor]}")" ">=" 0.8
check "threaded-server round trips/s vs Python" "$(ratio "${M_rps[threaded]}" "${M_rps[python]}")" ">=" 1.5
check "select-server CPU per round trip vs Python" "$(ratio "${M_cpu[select]}" "${M_cpu[python]}")" "<" 0.5
check "threaded-server CPU per round trip vs Python" "$(ratio "${M_cpu[threaded]}" "${M_cpu[python]}")" "<" 0.5
exit $status
