"""The generated protobuf and gRPC modules of `vvtv.llmpool.v1`.

They are generated when the package is built (`pip install ./clients/python`); they are not in the
source tree.
"""
try:
    from .vvtv.llmpool.v1 import llmpool_pb2, llmpool_pb2_grpc
except ImportError as error:  # pragma: no cover - a source checkout that was never built
    raise ImportError(
        "llm_pool's gRPC stubs are generated at build time: install the package "
        "(pip install ./clients/python) instead of importing it from the source tree"
    ) from error

__all__ = ["llmpool_pb2", "llmpool_pb2_grpc"]
