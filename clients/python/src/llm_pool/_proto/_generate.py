"""Compiles llmpool.proto into Python modules with grpcio-tools (build time; see setup.py).

Only the standard library and grpc_tools are used here, so setup.py can load this file before the
package's dependencies exist.
"""
from __future__ import annotations

import pathlib

PROTO = "vvtv/llmpool/v1/llmpool.proto"


def generate(proto_dir: pathlib.Path, out_dir: pathlib.Path) -> None:
    """Writes `vvtv/llmpool/v1/llmpool_pb2.py` (with its `.pyi` type stub) and `llmpool_pb2_grpc.py`
    under `out_dir`, their imports made relative so they live inside `llm_pool._proto`."""
    from grpc_tools import protoc  # imported late: only the build needs it

    if not (proto_dir / PROTO).is_file():
        raise FileNotFoundError(f"{proto_dir / PROTO} not found: set LLMPOOL_PROTO_DIR to the repository's proto/")
    out_dir.mkdir(parents=True, exist_ok=True)
    code = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{proto_dir}",
            f"--python_out={out_dir}",
            f"--pyi_out={out_dir}",
            f"--grpc_python_out={out_dir}",
            PROTO,
        ]
    )
    if code != 0:
        raise RuntimeError(f"protoc failed ({code}) on {PROTO}")
    package = out_dir / "vvtv" / "llmpool" / "v1"
    for folder in (out_dir / "vvtv", out_dir / "vvtv" / "llmpool", package):
        (folder / "__init__.py").touch()
    stub = package / "llmpool_pb2_grpc.py"
    stub.write_text(stub.read_text().replace("from vvtv.llmpool.v1 import", "from . import"))
