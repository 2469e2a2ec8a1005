# Shared helpers for the end-to-end CLI tests: each test script sources this with the
# auris binary as $1.
set -u
AURIS=${1:?usage: test.sh path/to/auris}
TMP=$(mktemp -d "${AURIS_TEST_TMPDIR:-/tmp}/cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PY=/usr/bin/python3
failures=0
checks=0

ok() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*" >&2; }

# expect_exit CODE DESCRIPTION -- command...: runs the command, checks its exit status.
expect_exit() {
  local want=$1 what=$2; shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok; else fail "$what: exit $got, want $want; stderr: $(head -c 300 "$TMP/err")"; fi
}

# expect_grep PATTERN FILE DESCRIPTION
expect_grep() {
  if grep -qE -- "$1" "$2"; then ok; else fail "$3: '$1' not in: $(head -c 400 "$2")"; fi
}

# One line on stderr, naming the file.
expect_one_line_error() {
  local file=$1 what=$2
  if [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -qF -- "$file" "$TMP/err"; then ok
  else fail "$what: stderr should be one line naming $file, got: $(cat "$TMP/err")"; fi
}

finish() {
  echo "$(basename "$0" .sh): $checks checks, $failures failed"
  [ "$failures" -eq 0 ]
}

need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool not installed"; exit 77; }
  done
}
