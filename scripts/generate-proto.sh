#!/usr/bin/env bash
# Regenerates the Swift code for proto/ into Sources/LLMPoolProto: messages for every .proto file
# and gRPC client and server stubs for the services we serve. Run it after changing a .proto file
# and commit the output: CI never runs it, because building the protoc plugins takes minutes.
#
# Plugins: set PROTOC_GEN_SWIFT / PROTOC_GEN_GRPC_SWIFT to prebuilt binaries, or they are built
# once from the Swift package mirror ($SWIFT_PACKAGE_MIRROR, default /opt/swift-packages) into
# $LLMPOOL_TOOLS (default ~/.cache/llm-pool-tools), outside the repository.
#   PROTOC_GEN_SWIFT=/path/protoc-gen-swift PROTOC_GEN_GRPC_SWIFT=/path/protoc-gen-grpc-swift-2 \
#     scripts/generate-proto.sh
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="${LLMPOOL_TOOLS:-$HOME/.cache/llm-pool-tools}"
MIRROR="${SWIFT_PACKAGE_MIRROR:-/opt/swift-packages}"
SWIFT_PROTOBUF_TAG=1.39.0      # keep in step with Package.swift / Package.resolved
GRPC_SWIFT_PROTOBUF_TAG=2.4.1
OUT=Sources/LLMPoolProto
# Services that get gRPC stubs. The OTLP collector service is not here: we export OTLP over
# HTTP, so only its messages are generated.
GRPC_PROTOS=(vvtv/llmpool/v1/llmpool.proto grpc/health/v1/health.proto)

if ! command -v protoc >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >&2
fi

build_plugin() { # repository tag product -> prints the binary's path
  local dir
  dir="$TOOLS/$(basename "$1" .git)"
  if [ ! -x "$dir/.build/release/$3" ]; then
    mkdir -p "$TOOLS"
    [ -d "$dir" ] || git clone -q "$1" "$dir" >&2
    git -C "$dir" -c advice.detachedHead=false checkout -q "$2" >&2
    echo "building $3 $2 in $dir (once)" >&2
    (cd "$dir" && swift build -c release --product "$3" >&2)
  fi
  echo "$dir/.build/release/$3"
}

PROTOC_GEN_SWIFT="${PROTOC_GEN_SWIFT:-$(build_plugin "$MIRROR/apple/swift-protobuf.git" "$SWIFT_PROTOBUF_TAG" protoc-gen-swift)}"
PROTOC_GEN_GRPC_SWIFT="${PROTOC_GEN_GRPC_SWIFT:-$(build_plugin "$MIRROR/grpc/grpc-swift-protobuf.git" "$GRPC_SWIFT_PROTOBUF_TAG" protoc-gen-grpc-swift-2)}"

mapfile -t PROTOS < <(cd proto && find . -name '*.proto' -printf '%P\n' | sort)

# Generate into a scratch directory and swap the output in only when both plugins succeed, so a
# failed run leaves the committed code alone.
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

# FileNaming=PathToUnderscores keeps files from different packages apart
# (vvtv_llmpool_v1_llmpool.pb.swift, grpc_health_v1_health.grpc.swift).
protoc -I proto \
  --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
  --swift_out="$STAGE" \
  --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
  "${PROTOS[@]}"
protoc -I proto \
  --plugin=protoc-gen-grpc-swift-2="$PROTOC_GEN_GRPC_SWIFT" \
  --grpc-swift-2_out="$STAGE" \
  --grpc-swift-2_opt=Visibility=Public,Server=true,Client=true,FileNaming=PathToUnderscores \
  "${GRPC_PROTOS[@]}"

mkdir -p "$OUT"
find "$OUT" \( -name '*.pb.swift' -o -name '*.grpc.swift' -o -name 'Placeholder.swift' \) -delete
cp "$STAGE"/*.swift "$OUT"/
echo "generated into $OUT:"
ls "$OUT"
