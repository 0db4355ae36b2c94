#!/usr/bin/env bash
# Runs the same 10 MB TCP transfer (1 Gbps, 5 ms one way, MTU 1500, 4 MB
# buffers) in socklab and in ns-3, several times each, and prints the best
# wall time, CPU time and peak memory of both and the ratio.
#
#   bench/sim/compare-ns3.sh            # uses build-bench/ (Release), 5 runs each
#   BUILD=build REPS=3 bench/sim/compare-ns3.sh
#
# Installs nothing: ns-3 comes from Debian's libns3-dev (scripts/deps --bench).
# Not part of scripts/test; the ns-3 program is compiled here, on demand.
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

best() {  # best NAME: keeps the smallest wall time, the largest RSS, over $reps runs
  local bin=$1; shift
  local wall="" cpu="" run="" rss=0 out
  for _ in $(seq "$reps"); do
    out=$("$bin" "$@")
    local w c u r
    w=$(field wall_s <<<"$out"); c=$(field cpu_s <<<"$out"); u=$(field run_cpu_s <<<"$out")
    r=$(field peak_rss_kb <<<"$out")
    if [ -z "$wall" ] || awk -v a="$w" -v b="$wall" 'BEGIN { exit !(a < b) }'; then wall=$w; fi
    if [ -z "$cpu" ] || awk -v a="$c" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then cpu=$c; fi
    if [ -z "$run" ] || awk -v a="$u" -v b="$run" 'BEGIN { exit !(a < b) }'; then run=$u; fi
    [ "$r" -gt "$rss" ] && rss=$r
    last=$out
  done
  echo "wall_s $wall"; echo "cpu_s $cpu"; echo "run_cpu_s $run"; echo "peak_rss_kb $rss"
  echo "$last" | grep -Ev '^(wall_s|cpu_s|run_cpu_s|peak_rss_kb) '
}

echo "10 MB over 1 Gbps, 5 ms one way, MTU 1500, 4 MB buffers; best of $reps runs each"
s=$(best "$build/bin/socklab_bulk_run" "$scenario")
n=$(best "$ns3_bin")
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
