#!/usr/bin/env bash
# The dependency rule (docs/ARCHITECTURE.md, HOUSE-STYLE §3.1), which include paths alone cannot
# enforce:
#   1. src/core includes no I/O or adapter library (Asio, Beast, sqlite3, libpq, hiredis, spdlog)
#      and, of our own headers, only "core/…" and "support/…";
#   2. an adapter (src/store/*, src/bus/*, src/files) includes no other adapter's folder;
#   3. only src/app names concrete adapters: no other layer includes store/, bus/ or files/.
# Prints every violation as file:line and exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly LAYERS='core|support|runtime|store|bus|files|csv|strategies|http|auth|cli|app'
violations=0

report() {  # file:line:text, reason
  printf '%s\n    -> %s\n' "$1" "$2"
  violations=$((violations + 1))
}

# Prints "file:line:#include …" for every include line of the C++ files under the given folders.
includes_in() {
  local dirs=()
  for dir in "$@"; do
    [[ -d ${dir} ]] && dirs+=("${dir}")
  done
  [[ ${#dirs[@]} -eq 0 ]] && return 0
  grep -rnE --include='*.hpp' --include='*.cpp' --include='*.h' '^[[:space:]]*#[[:space:]]*include' "${dirs[@]}" || true
}

# The path inside the quotes or angle brackets of an include line.
included_path() {
  sed -E 's/^[^#]*#[[:space:]]*include[[:space:]]*[<"]([^>"]*)[>"].*/\1/' <<<"$1"
}

# 1. core
while IFS= read -r line; do
  [[ -z ${line} ]] && continue
  path=$(included_path "${line#*:*:}")
  if [[ ${path} =~ ^boost/(asio|beast)(/|\.hpp$) || ${path} == sqlite3.h || ${path} == libpq-fe.h ||
    ${path} =~ ^hiredis || ${path} =~ ^spdlog(/|\.h) ]]; then
    report "${line}" "src/core is pure: no I/O library headers"
  elif [[ ${path} =~ ^(${LAYERS})/ && ! ${path} =~ ^(core|support)/ ]]; then
    report "${line}" "src/core may include only core/ and support/ of our headers"
  fi
done < <(includes_in src/core)

# 2 and 3. Every other layer. An adapter's own folder is store/sqlite, bus/redis, files, …
adapter_of() {  # src/store/sqlite/x.cpp -> store/sqlite; src/files/x.cpp -> files; else empty
  local rel=${1#src/}
  case ${rel} in
    store/*/* | bus/*/*) echo "${rel%%/*}/$(cut -d/ -f2 <<<"${rel}")" ;;
    files/*) echo files ;;
    *) echo "" ;;
  esac
}

while IFS= read -r line; do
  [[ -z ${line} ]] && continue
  file=${line%%:*}
  [[ ${file} == src/app/* || ${file} == src/core/* ]] && continue
  path=$(included_path "${line#*:*:}")
  [[ ${path} =~ ^(store|bus|files)/ ]] || continue
  own=$(adapter_of "${file}")
  if [[ -n ${own} ]]; then
    if [[ ${path} != "${own}"/* ]]; then
      report "${line}" "adapters never include each other (${own} includes ${path%/*})"
    fi
  else
    report "${line}" "only src/app includes adapter headers; depend on the core/ports interface instead"
  fi
done < <(includes_in src)

if [[ ${violations} -gt 0 ]]; then
  echo "check_layers: ${violations} violation(s) of the dependency rule"
  exit 1
fi
echo "check_layers: OK"
