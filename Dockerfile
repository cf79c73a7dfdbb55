# syntax=docker/dockerfile:1
# llm-pool: build the release binary with the Swift toolchain, run it on a small Ubuntu image.
#
#   docker build -t llm-pool:0.4.0 .
#   docker run --rm -p 7071:7071 -p 7070:7070 llm-pool:0.4.0            # the baked-in llm-pool.toml
#   docker run --rm -v "$PWD/my-config:/etc/llm-pool:ro" -p 7071:7071 llm-pool:0.4.0
#
# Kubernetes mounts its ConfigMap over /etc/llm-pool (deploy/kubernetes/). Health is checked by
# the orchestrator's probes (/healthz, /readyz), so the image has no HEALTHCHECK.

# --- Build ------------------------------------------------------------------------------------
FROM swift:6.3-noble AS build
WORKDIR /build

# Resolve dependencies first, so that source edits reuse this layer.
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve

COPY . .
# The Swift runtime and Foundation are linked statically: the runtime image needs no toolchain.
RUN swift build -c release --product llm-pool --static-swift-stdlib \
 && mkdir -p /staging \
 && cp "$(swift build -c release --show-bin-path)/llm-pool" /staging/llm-pool

# --- Run --------------------------------------------------------------------------------------
FROM ubuntu:noble

# ca-certificates: TLS to OpenAI-compatible providers over https. tzdata: local times in logs.
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get -q update \
 && apt-get -q install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*

# A fixed numeric id, so Kubernetes can verify runAsNonRoot (deploy/kubernetes/deployment.yaml).
RUN groupadd --system --gid 10001 llm-pool \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin llm-pool

COPY --from=build /staging/llm-pool /usr/local/bin/llm-pool
# A default configuration; prompt paths are relative to the file.
COPY llm-pool.toml /etc/llm-pool/llm-pool.toml
COPY prompts /etc/llm-pool/prompts

USER 10001:10001
# 7071: HTTP (native JSON, OpenAI-compatible, /metrics, /healthz, /readyz); 7070: gRPC.
EXPOSE 7070 7071
ENTRYPOINT ["/usr/local/bin/llm-pool", "serve", "--config", "/etc/llm-pool/llm-pool.toml"]
