#!/usr/bin/env bash
# Runs the same 10 MB TCP transfer (1 Gbps, 5 ms one way, MTU 1500, 4 MB
# buffers) in socklab and in ns-3, REPS times each, alternating the two so a
# busy machine slows both alike, and prints the best wall time, CPU time and
# the peak memory of both, and the ratios.
#
# How to run it (needs ns-3: scripts/deps --bench installs Debian's libns3-dev):
#   bench/sim/compare-ns3.sh                       # build-bench/ (Release), 5 runs each
#   BUILD=$PWD/build-mine REPS=9 bench/sim/compare-ns3.sh
# BUILD must be a Release build (it is configured as one if it does not exist);
# only the socklab_bulk_run target is built there. The ns-3 program
# (bench/sim/ns3_bulk.cc) is compiled into $BUILD/bench/ns3_bulk on demand.
# socklab keeps the whole trace in memory, as the GUI does (socklab_bulk_run).
# The machine is often shared: trust the ratios of one run more than absolute
# times, and the CPU-time ratio more than the wall-time one under load.
# Not part of scripts/test.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build-bench}
reps=${REPS:-5}
scenario=$root/bench/scenarios/bulk-10MB.toml

if ! pkg-config --exists ns3-core 2>/dev/null; then
  echo "compare-ns3: ns-3 is not installed; run scripts/deps --bench (Debian libns3-dev)" >&2
  exit 2
fi

# socklab, Release.
if [ ! -f "$build/CMakeCache.txt" ]; then
  gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
  cmake -S "$root" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DSOCKLAB_GUI=OFF >/dev/null
fi
cmake --build "$build" --target socklab_bulk_run -j "${JOBS:-2}" >/dev/null

# ns-3 3.37's headers do not compile as C++20; link the libraries by name
# (Debian's .pc files name libgsl.so, which only libgsl-dev provides).
ns3_bin=$build/bench/ns3_bulk
if [ ! -x "$ns3_bin" ] || [ "$root/bench/sim/ns3_bulk.cc" -nt "$ns3_bin" ]; then
  mkdir -p "$(dirname "$ns3_bin")"
  g++ -O2 -std=c++17 -o "$ns3_bin" "$root/bench/sim/ns3_bulk.cc" \
    $(pkg-config --cflags ns3-core) \
    -lns3-applications -lns3-internet -lns3-point-to-point -lns3-network -lns3-core
fi

# field NAME < output
field() { awk -v k="$1" '$1 == k { print $2 }'; }

# field NAME over the outputs of several runs: the smallest (largest for peak_rss_kb)
pick() {
  local k=$1; shift
  if [ "$k" = peak_rss_kb ]; then cat "$@" | awk -v k="$k" '$1 == k && $2 > m { m = $2 } END { print m }'
  else cat "$@" | awk -v k="$k" '$1 == k && (m == "" || $2 < m) { m = $2 } END { print m }'; fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$reps"); do  # alternate the two programs
  "$build/bin/socklab_bulk_run" "$scenario" >"$tmp/s$i"
  "$ns3_bin" >"$tmp/n$i"
done
summary() {  # summary PREFIX: best figures, then the rest of the last run
  for k in wall_s cpu_s run_cpu_s peak_rss_kb; do echo "$k $(pick $k "$tmp"/"$1"*)"; done
  grep -Ev '^(wall_s|cpu_s|run_cpu_s|peak_rss_kb) ' "$tmp/$1$reps"
}

echo "10 MB over 1 Gbps, 5 ms one way, MTU 1500, 4 MB buffers; best of $reps runs each, alternating"
s=$(summary s)
n=$(summary n)
printf '%-22s %12s %12s\n' "" socklab ns-3
for k in wall_s run_cpu_s cpu_s peak_rss_kb sim_finish_s; do
  printf '%-22s %12s %12s\n' "$k" "$(field $k <<<"$s")" "$(field $k <<<"$n")"
done
printf '%-22s %12s\n' "events" "$(field events <<<"$s")"
printf '%-22s %12s\n' "events_per_s" "$(field events_per_s <<<"$s")"
printf '%-22s %12s\n' "trace_events (kept)" "$(field trace_events <<<"$s")"
printf '%-22s %12s %12s\n' "bytes_received" "$(field bytes_received <<<"$s")" "$(field bytes_received <<<"$n")"
awk -v a="$(field wall_s <<<"$n")" -v b="$(field wall_s <<<"$s")" \
  'BEGIN { printf "wall-time ratio ns-3 / socklab: %.1fx (target >= 20x)\n", a / b }'
awk -v a="$(field run_cpu_s <<<"$n")" -v b="$(field run_cpu_s <<<"$s")" \
  'BEGIN { printf "CPU-time ratio  ns-3 / socklab: %.1fx (set-up + run; steadier than wall time on a busy machine)\n", a / b }'
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
echo "load average during the runs: $load on $(nproc) CPUs (wall times stretch when it exceeds the CPUs)"
