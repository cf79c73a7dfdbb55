#!/usr/bin/env bash
# Regenerates the Swift code for proto/ into Sources/LLMPoolProto (messages and gRPC stubs).
# Run it after changing a .proto file and commit the output: CI never runs it, because building
# the protoc plugins takes about ten minutes.
#
# Plugins: set PROTOC_GEN_SWIFT / PROTOC_GEN_GRPC_SWIFT to prebuilt binaries, or they are built
# once from the Swift package mirror into $LLMPOOL_TOOLS (default ~/.cache/llm-pool-tools).
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="${LLMPOOL_TOOLS:-$HOME/.cache/llm-pool-tools}"
MIRROR="${SWIFT_PACKAGE_MIRROR:-/opt/swift-packages}"
mkdir -p "$TOOLS"

if ! command -v protoc >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler
fi

build_plugin() { # repo tag product
  local dir="$TOOLS/$(basename "$1" .git)"
  if [ ! -x "$dir/.build/release/$3" ]; then
    [ -d "$dir" ] || git clone -q "$1" "$dir"
    git -C "$dir" checkout -q "$2"
    (cd "$dir" && swift build -c release --product "$3" >&2)
  fi
  echo "$dir/.build/release/$3"
}

PROTOC_GEN_SWIFT="${PROTOC_GEN_SWIFT:-$(build_plugin "$MIRROR/apple/swift-protobuf.git" 1.39.0 protoc-gen-swift)}"
PROTOC_GEN_GRPC_SWIFT="${PROTOC_GEN_GRPC_SWIFT:-$(build_plugin "$MIRROR/grpc/grpc-swift-protobuf.git" 2.4.1 protoc-gen-grpc-swift-2)}"

OUT=Sources/LLMPoolProto
find "$OUT" -name '*.pb.swift' -o -name '*.grpc.swift' | xargs -r rm -f
PROTOS=(vvtv/llmpool/v1/llmpool.proto grpc/health/v1/health.proto opentelemetry/proto/collector/trace/v1/trace_service.proto)
EXISTING=()
for p in "${PROTOS[@]}"; do [ -f "proto/$p" ] && EXISTING+=("$p"); done

protoc -I proto \
  --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
  --swift_out="$OUT" --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
  $(cd proto && find opentelemetry -name '*.proto' 2>/dev/null | grep -v collector || true) \
  "${EXISTING[@]}"
protoc -I proto \
  --plugin=protoc-gen-grpc-swift="$PROTOC_GEN_GRPC_SWIFT" \
  --grpc-swift_out="$OUT" --grpc-swift_opt=Visibility=Public,Server=true,Client=true,FileNaming=PathToUnderscores \
  vvtv/llmpool/v1/llmpool.proto grpc/health/v1/health.proto
echo "generated into $OUT:"; ls "$OUT"
