#!/usr/bin/env bash
# The format gate of the test suite: every tracked C++ file as the repository's
# .clang-format wants it. Exit 77 (ctest: skipped) without git or clang-format.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v clang-format > /dev/null || ! git rev-parse --git-dir > /dev/null 2>&1; then
  echo "clang-format or a git checkout is missing: format not checked"
  exit 77
fi
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.hpp' '*.cu')
report=$(mktemp)
trap 'rm -f "$report"' EXIT
if ! clang-format --dry-run --Werror "${files[@]}" 2> "$report"; then
  grep ': error: ' "$report" | cut -d: -f1 | sort -u | sed 's/^/not formatted: /'
  echo "run: clang-format -i FILE... (the repository's .clang-format)"
  exit 1
fi
echo "${#files[@]} C++ files formatted as .clang-format says"
