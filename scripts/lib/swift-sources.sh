# The Swift files of llm-pool that people write (sourced, not run): Package.swift and every file
# under Sources, Tests and Benchmarks except the generated Sources/LLMPoolProto. scripts/format.sh
# formats them; scripts/test.sh lints them and checks their line lengths.

# Prints the files, one a line, sorted.
swift_sources() {
  { echo Package.swift; find Sources Tests Benchmarks -name '*.swift' -not -path 'Sources/LLMPoolProto/*'; } | sort
}

# Fails, naming each line, when a file has a line longer than $1 characters (not bytes: box-drawing
# characters in doc comments count once).
check_line_length() { # limit file...
  python3 - "$@" <<'PY'
import sys

limit, paths = int(sys.argv[1]), sys.argv[2:]
long_lines = [
    f"{path}:{number}: {len(line)} characters"
    for path in paths
    for number, line in enumerate(open(path, encoding="utf-8").read().splitlines(), 1)
    if len(line) > limit
]
for entry in long_lines:
    print(entry)
if long_lines:
    sys.exit(f"{len(long_lines)} lines are longer than {limit} characters")
PY
}
