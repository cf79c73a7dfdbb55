"""Generates the gRPC stubs from the repository's `proto/` folder into the wheel at build time.

The stubs are never committed: `build_py` runs grpcio-tools' protoc over
`vvtv/llmpool/v1/llmpool.proto` and writes `llm_pool/_proto/vvtv/llmpool/v1/llmpool_pb2*.py`
into the build folder. Set `LLMPOOL_PROTO_DIR` when building from somewhere other than
`clients/python` inside the repository.
"""
import importlib.util
import os
import pathlib

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).resolve().parent


def _generator():
    spec = importlib.util.spec_from_file_location("_generate", HERE / "src/llm_pool/_proto/_generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithStubs(build_py):
    def run(self):
        super().run()
        proto_dir = pathlib.Path(os.environ.get("LLMPOOL_PROTO_DIR", HERE.parents[1] / "proto"))
        _generator().generate(proto_dir, pathlib.Path(self.build_lib) / "llm_pool" / "_proto")


setup(cmdclass={"build_py": BuildWithStubs})
