#!/usr/bin/env bash
# Times `socklab check` of all eleven C++ reference solutions, one after the
# other, and prints one line per exercise and the total wall time.
# Target (issue 5): under 20 s wall in total on 2 cores, waits included.
#
#   bench/check/check_all.sh [BUILD_DIR]      (default: build)
#
# Exit status: 0 when every check passed, 1 otherwise (the time is printed
# either way; it is compared with the target, not enforced).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
bin=$build/bin
exercises=(tcp-client tcp-server echo-server threaded-server select-server
           framed-echo-server framed-client udp-echo-server udp-client
           http-get-client chat-client)
target_ms=20000

if [ ! -x "$bin/socklab" ]; then
  echo "check_all: $bin/socklab is not built (cmake --build $build --target socklab socklab_solutions)" >&2
  exit 2
fi
now_ms() { date +%s%3N; }

failed=0
total_start=$(now_ms)
printf '%-20s %8s  %s\n' exercise wall_ms result
for ex in "${exercises[@]}"; do
  prog=$bin/socklab-$ex
  if [ ! -x "$prog" ]; then
    printf '%-20s %8s  %s\n' "$ex" - "not built: $prog"
    failed=1
    continue
  fi
  start=$(now_ms)
  out=$(NO_COLOR=1 "$bin/socklab" check "$ex" -- "$prog" 2>&1)
  status=$?
  took=$(( $(now_ms) - start ))
  summary=$(printf '%s\n' "$out" | tail -n 1)
  printf '%-20s %8d  %s\n' "$ex" "$took" "$summary"
  if [ $status -ne 0 ]; then
    failed=1
    printf '%s\n' "$out" | sed 's/^/    /'
  fi
done
total=$(( $(now_ms) - total_start ))
printf '%-20s %8d  (target < %d ms on 2 cores; load average now: %s)\n' total "$total" "$target_ms" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
exit $failed
