#!/usr/bin/env bash
# Formats the Swift sources in place with the root .swift-format (the generated
# Sources/LLMPoolProto excepted). scripts/test.sh fails when a file is not formatted.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/swift-sources.sh
mapfile -t files < <(swift_sources)
swift format format --in-place --parallel "${files[@]}"
