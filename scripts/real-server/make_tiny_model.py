#!/usr/bin/env python3
"""Writes a tiny llama-architecture GGUF model with random weights, for tests against a real
llama.cpp server (tests/python/real_server). No model file is committed: this makes one in ~1 s.

    make_tiny_model.py OUT.gguf [--vocab VOCAB.gguf] [--seed N] [--check]

Shape: 2 layers, embedding 64, 4 heads and 4 KV heads, feed-forward 128, context 2048, all F32,
weights from a fixed numpy seed (so the same file every time). The tokenizer (32000-token SPM
vocabulary) is copied from the vocab-only GGUF of the llama.cpp sources,
`vendor/llama.cpp/models/ggml-vocab-llama-spm.gguf` in the llama-cpp-python sdist. Without
--vocab (or $LLMPOOL_VOCAB_GGUF) the sdist of the installed llama-cpp-python version is fetched
with `pip download` (pip's cache makes that cheap after the first time) and the file extracted
into ~/.cache/llm-pool/ for later runs.

The byte-fallback tokens (`<0x00>`..`<0xFF>`) are made NORMAL tokens, so a random model that
emits them produces the literal text `<0x80>` and not a lone byte: every answer is valid UTF-8.
The chat template is ChatML (`tokenizer.chat_template`).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import tarfile
import tempfile

import numpy as np
from gguf import GGUFReader, GGUFValueType, GGUFWriter, LlamaFileType, TokenType

N_LAYER = 2
N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 4
N_FF = 128
N_CTX = 2048
VOCAB_NAME = "ggml-vocab-llama-spm.gguf"

CHATML = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def cache_dir() -> pathlib.Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return pathlib.Path(base, "llm-pool")


def fetch_vocab() -> pathlib.Path:
    """The vocab-only GGUF from the sdist of the installed llama-cpp-python."""
    from importlib.metadata import version

    ver = version("llama-cpp-python")
    cached = cache_dir() / f"llama-cpp-python-{ver}-{VOCAB_NAME}"
    if cached.is_file():
        return cached
    with tempfile.TemporaryDirectory(prefix="llmpool-sdist-") as tmp:
        # Only llama-cpp-python from source: with --no-binary :all: pip would also build its build
        # dependencies (scikit-build-core, cmake) from source, only to read the sdist's metadata.
        cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-deps",
               "--no-binary", "llama-cpp-python", f"llama-cpp-python=={ver}", "-d", tmp]
        subprocess.run(cmd, check=True, timeout=600)
        sdists = list(pathlib.Path(tmp).glob("llama_cpp_python-*.tar.gz"))
        if not sdists:
            sys.exit(f"pip download saved no sdist in {tmp}: {os.listdir(tmp)}")
        with tarfile.open(sdists[0]) as tar:
            member = next((m for m in tar if m.name.endswith(f"vendor/llama.cpp/models/{VOCAB_NAME}")), None)
            if member is None:
                sys.exit(f"{sdists[0].name} has no vendor/llama.cpp/models/{VOCAB_NAME}")
            data = tar.extractfile(member).read()
    cached.parent.mkdir(parents=True, exist_ok=True)
    part = cached.with_suffix(".part")
    part.write_bytes(data)
    part.replace(cached)
    return cached


def write_model(out: pathlib.Path, vocab: pathlib.Path, seed: int) -> None:
    reader = GGUFReader(vocab)
    fields = reader.fields
    tokens = fields["tokenizer.ggml.tokens"].contents()
    scores = fields["tokenizer.ggml.scores"].contents()
    types = fields["tokenizer.ggml.token_type"].contents()
    n_vocab = len(tokens)
    types = [int(TokenType.NORMAL) if t == int(TokenType.BYTE) else int(t) for t in types]

    w = GGUFWriter(str(out), "llama")
    w.add_name("llm-pool-tiny-random")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)
    w.add_file_type(LlamaFileType.ALL_F32)

    w.add_tokenizer_model(fields["tokenizer.ggml.model"].contents())
    if "tokenizer.ggml.pre" in fields:
        w.add_tokenizer_pre(fields["tokenizer.ggml.pre"].contents())
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    for key, vtype in (("tokenizer.ggml.bos_token_id", GGUFValueType.UINT32),
                       ("tokenizer.ggml.eos_token_id", GGUFValueType.UINT32),
                       ("tokenizer.ggml.unknown_token_id", GGUFValueType.UINT32),
                       ("tokenizer.ggml.padding_token_id", GGUFValueType.UINT32),
                       ("tokenizer.ggml.add_bos_token", GGUFValueType.BOOL),
                       ("tokenizer.ggml.add_eos_token", GGUFValueType.BOOL)):
        if key in fields:
            w.add_key_value(key, fields[key].contents(), vtype)
    w.add_chat_template(CHATML)

    rng = np.random.default_rng(seed)

    def mat(rows: int, cols: int, std: float = 0.02) -> np.ndarray:
        # numpy shape (rows, cols) is GGUF ne = [cols, rows]: `cols` is the input dimension.
        return rng.normal(0.0, std, size=(rows, cols)).astype(np.float32)

    ones = np.ones(N_EMBD, dtype=np.float32)
    head_dim = N_EMBD // N_HEAD
    w.add_tensor("token_embd.weight", mat(n_vocab, N_EMBD, 1.0))
    for i in range(N_LAYER):
        w.add_tensor(f"blk.{i}.attn_norm.weight", ones.copy())
        w.add_tensor(f"blk.{i}.attn_q.weight", mat(N_EMBD, N_EMBD))
        w.add_tensor(f"blk.{i}.attn_k.weight", mat(N_HEAD_KV * head_dim, N_EMBD))
        w.add_tensor(f"blk.{i}.attn_v.weight", mat(N_HEAD_KV * head_dim, N_EMBD))
        w.add_tensor(f"blk.{i}.attn_output.weight", mat(N_EMBD, N_EMBD))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", ones.copy())
        w.add_tensor(f"blk.{i}.ffn_gate.weight", mat(N_FF, N_EMBD))
        w.add_tensor(f"blk.{i}.ffn_up.weight", mat(N_FF, N_EMBD))
        w.add_tensor(f"blk.{i}.ffn_down.weight", mat(N_EMBD, N_FF))
    w.add_tensor("output_norm.weight", ones.copy())
    # A larger output scale makes the next-token distribution peaked rather than flat.
    w.add_tensor("output.weight", mat(n_vocab, N_EMBD, 0.5))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def check(path: pathlib.Path) -> None:
    """Loads the model with llama_cpp and generates a few tokens, greedy and as a chat."""
    from llama_cpp import Llama

    llm = Llama(model_path=str(path), n_ctx=256, n_threads=1, verbose=False)
    out = llm.create_completion("hello", max_tokens=8, temperature=0)
    text = out["choices"][0]["text"]
    again = llm.create_completion("hello", max_tokens=8, temperature=0)["choices"][0]["text"]
    assert text == again, (text, again)
    assert out["usage"]["completion_tokens"] > 0, out
    chat = llm.create_chat_completion(messages=[{"role": "user", "content": "hi"}], max_tokens=8, temperature=0)
    print(f"check: completion {text!r}; chat {chat['choices'][0]['message']['content']!r} "
          f"({chat['usage']}); chat_format {llm.chat_format}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--vocab", type=pathlib.Path, default=os.environ.get("LLMPOOL_VOCAB_GGUF"))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--check", action="store_true", help="load it with llama_cpp and generate")
    args = ap.parse_args()
    vocab = args.vocab or fetch_vocab()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_model(args.out, pathlib.Path(vocab), args.seed)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) with the tokenizer of {vocab}")
    if args.check:
        check(args.out)


if __name__ == "__main__":
    main()
