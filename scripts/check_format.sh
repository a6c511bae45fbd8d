#!/usr/bin/env bash
# clang-format-16 over our C++ (src/ tests/ examples/ bench/ fuzz/, *.cpp *.hpp), pinned to version 16
# because .clang-format relies on options older versions lack (HOUSE-STYLE §3.11).
#   scripts/check_format.sh         list the files that differ, with the start of their diffs (the first
#                                   $CHECK_FORMAT_DIFFS, default 8); exit 1 if any
#   scripts/check_format.sh --fix   rewrite the files in place (what `./dev format` runs)
set -euo pipefail
cd "$(dirname "$0")/.."

readonly CLANG_FORMAT=${CLANG_FORMAT:-clang-format-16}
command -v "${CLANG_FORMAT}" >/dev/null || {
  echo "check_format: ${CLANG_FORMAT} not found (Debian package clang-format-16)" >&2
  exit 2
}
"${CLANG_FORMAT}" --version | grep -q 'version 16\.' || {
  echo "check_format: ${CLANG_FORMAT} is not clang-format 16: $("${CLANG_FORMAT}" --version)" >&2
  exit 2
}

dirs=()
for dir in src tests examples bench fuzz; do
  [[ -d ${dir} ]] && dirs+=("${dir}")
done
mapfile -d '' files < <(find "${dirs[@]}" -name node_modules -prune -o -type f \( -name '*.cpp' -o -name '*.hpp' \) -print0 | sort -z)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "check_format: no files"
  exit 0
fi

if [[ ${1:-} == --fix ]]; then
  "${CLANG_FORMAT}" -i "${files[@]}"
  echo "check_format: formatted ${#files[@]} files"
  exit 0
fi

differing=()
for file in "${files[@]}"; do
  if ! "${CLANG_FORMAT}" --dry-run -Werror "${file}" 2>/dev/null; then
    differing+=("${file}")
  fi
done
if [[ ${#differing[@]} -gt 0 ]]; then
  # The start of each diff, for the first few files; the names of all of them.
  shown=0
  for file in "${differing[@]}"; do
    if [[ ${shown} -lt ${CHECK_FORMAT_DIFFS:-8} ]]; then
      echo "--- ${file}"
      "${CLANG_FORMAT}" "${file}" | diff -u "${file}" - | tail -n +3 | head -n 15 || true
      shown=$((shown + 1))
    else
      echo "--- ${file} (differs)"
    fi
  done
  echo "check_format: ${#differing[@]} of ${#files[@]} files differ from .clang-format (./dev format fixes them)"
  exit 1
fi
echo "check_format: OK (${#files[@]} files)"
