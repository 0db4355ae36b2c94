# Shared by scripts/run and scripts/test: configure and build one tree.
# shellcheck shell=bash
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${SOCKLAB_JOBS:-$(nproc 2>/dev/null || echo 2)}

# build_tree DIR [cmake -D options...]
build_tree() {
  local dir=$1
  shift
  local gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$dir" "${gen[@]}" "$@" >/dev/null
  else
    cmake -S "$root" -B "$dir" "$@" >/dev/null
  fi
  cmake --build "$dir" -j "$jobs"
}
