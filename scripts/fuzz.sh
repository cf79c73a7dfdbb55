#!/usr/bin/env bash
# libFuzzer over what llm-pool parses from outside: the configuration loader, the prompt renderer,
# the RESP parser and the OpenAI (SSE) and Ollama (NDJSON) stream decoders (Fuzz/llm-pool-fuzz;
# the input's first byte picks the parser). Not part of scripts/test.sh: the sanitizer build of
# the whole dependency tree takes a long while the first time (its own build folder, .build/fuzz).
#   FUZZ_SECONDS  how long to fuzz (default 60)
#   FUZZ_DETECT_LEAKS=1  also report leaks: off by default, as TOMLKit (0.6) leaks the C strings and
#                 key arrays its accessors get from CTOML (about 32 KB per load of llm-pool.toml),
#                 which LeakSanitizer finds on the first configuration input
# A crash leaves its input in .build/fuzz/artifacts/ and fails the run: replay it with
#   .build/fuzz/debug/llm-pool-fuzz .build/fuzz/artifacts/crash-…
# and turn it into a regression test of the parser it chose.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=.build/fuzz
SECONDS_TO_FUZZ="${FUZZ_SECONDS:-60}"
export LLMPOOL_FUZZ=1  # Package.swift adds the llm-pool-fuzz target only then

printf '\n==> sanitizer build (-sanitize=fuzzer,address)\n'
swift build --build-path "$BUILD" --product llm-pool-fuzz -Xswiftc -sanitize=fuzzer,address
BIN="$BUILD/debug/llm-pool-fuzz"

# Seeds: one per parser, from the repository's own files and a sample of each wire format.
CORPUS="$BUILD/corpus"
mkdir -p "$CORPUS" "$BUILD/artifacts"
seed() { # selector name (content on stdin)
  { printf "\\x$(printf %02x "$1")"; cat; } > "$CORPUS/seed-$2"
}
seed 0 config < llm-pool.toml
for prompt in prompts/*.md; do seed 1 "prompt-$(basename "$prompt" .md)" < "$prompt"; done
printf '*3\r\n$3\r\nSET\r\n:42\r\n*2\r\n+OK\r\n-ERR wrong\r\n$-1\r\n' | seed 2 resp
printf 'data: {"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"}}]}\n\n: ping\n\ndata: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\ndata: [DONE]\n\n' | seed 3 sse
printf '{"model":"m","message":{"role":"assistant","content":"hi"},"done":false}\n{"model":"m","done":true,"done_reason":"stop","prompt_eval_count":3,"eval_count":1}\n' | seed 4 ndjson

# LeakSanitizer also runs at exit, whatever libFuzzer's -detect_leaks says.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=${FUZZ_DETECT_LEAKS:-0}"
printf '\n==> fuzzing for %s s\n' "$SECONDS_TO_FUZZ"
"$BIN" -max_total_time="$SECONDS_TO_FUZZ" -max_len=8192 -timeout=10 -print_final_stats=1 \
  -detect_leaks="${FUZZ_DETECT_LEAKS:-0}" \
  -artifact_prefix="$BUILD/artifacts/" "$CORPUS"
