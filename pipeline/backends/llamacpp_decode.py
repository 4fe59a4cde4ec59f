"""Greedy decoding of many prompts on one llama.cpp context, through llama.cpp's C API (llama-cpp-python's
low-level bindings): several sequences step together, and prompts that share a prefix share its KV cache.

Why not `llama_cpp.Llama`: its high-level API decodes one sequence at a time and reuses the cache only for
the previous prompt's prefix. Here (measured in benchmarks/llamacpp.py):
- prompts are decoded in lexicographic order of their token ids, so neighbours share the longest prefixes
  (the chat template and instruction of every claim rewrite, the article window of a claimant and a
  denier question); each sequence starts as a copy of its neighbour's cache cells for the shared prefix
  (`llama_memory_seq_cp`, no recomputation, and the cells are shared, not duplicated) and only its own
  suffix is prefilled. The last sequence of a group is kept for the next group of the same call;
- up to `n_seq` sequences then decode together, one `llama_decode` per step with one token per sequence
  (the weights are read once per step for all of them, which is what CPU decoding is bound by).

Each request may restrict its next token (`Request.allowed`: a span constraint); the choice is the
highest logit among the allowed ids, ties to the smaller id, as an argmax over masked logits.
"""
from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

#: KV cells kept for prompts and answers together; every group of sequences fits in it
DEFAULT_CONTEXT_TOKENS = 16384
#: tokens per llama_decode call when prefilling a long prompt
PREFILL_CHUNK = 512
#: ggml's log level for errors (llama-cpp-python 0.3.36 maps ggml's levels off by one and prints warnings,
#: such as "n_ctx_seq > n_ctx_train" for the shared pool of cells, as errors)
GGML_LOG_LEVEL_ERROR = 4
_log_callback = None  # kept referenced: llama.cpp calls it from C


@dataclass(frozen=True)
class Request:
    """A prompt's token ids, its budget, and optionally the ids allowed after an answer prefix."""

    ids: tuple[int, ...]
    max_new_tokens: int
    allowed: Callable[[Sequence[int]], Sequence[int]] | None = None


class LlamaRuntime:
    """One GGUF model and one context with `n_seq` sequence slots sharing `n_ctx` KV cells."""

    def __init__(self, path: str, *, n_ctx: int = DEFAULT_CONTEXT_TOKENS, n_seq: int = 8, threads: int = 1,
                 prefix_reuse: bool = True) -> None:
        if "llama_cpp" not in sys.modules and "torch" not in sys.modules:
            # ggml's CPU threads meet at an OpenMP barrier after every op. Spinning there, 2 threads on 2
            # cores shared with other processes decoded 1.4 tok/s instead of 39 (SmolLM2-135M, measured):
            # let them sleep. libgomp reads this once, when it loads (torch's copy serves both when torch
            # came first: loading.py sets it before torch loads).
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import llama_cpp

        self.lib = llama_cpp
        self.path = path
        _errors_only_logs(llama_cpp)
        llama_cpp.llama_backend_init()
        model_params = llama_cpp.llama_model_default_params()
        self.model = llama_cpp.llama_model_load_from_file(path.encode(), model_params)
        if not self.model:
            raise ValueError(f"llama.cpp could not load {path} (not a GGUF model it supports?)")
        self.vocab = llama_cpp.llama_model_get_vocab(self.model)
        self.n_vocab = int(llama_cpp.llama_vocab_n_tokens(self.vocab))
        self.n_seq = max(1, min(int(n_seq), int(llama_cpp.llama_max_parallel_sequences())))
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = int(n_ctx)
        params.n_batch = params.n_ubatch = PREFILL_CHUNK
        params.n_seq_max = self.n_seq
        params.n_threads = params.n_threads_batch = int(threads)
        params.kv_unified = True  # one pool of cells: a copied prefix is shared, not duplicated per sequence
        params.no_perf = True
        self.ctx = llama_cpp.llama_init_from_model(self.model, params)
        if not self.ctx:
            llama_cpp.llama_model_free(self.model)
            raise ValueError(f"llama.cpp could not create a context of {n_ctx} tokens for {path}")
        self.n_ctx = int(llama_cpp.llama_n_ctx(self.ctx))
        self.memory = llama_cpp.llama_get_memory(self.ctx)
        self.batch = llama_cpp.llama_batch_init(max(PREFILL_CHUNK, self.n_seq), 0, 1)
        self.prefix_reuse = prefix_reuse
        self.prefilled_tokens = 0  # prompt tokens actually computed (benchmarks compare it with reuse off)
        self._kept: tuple[int, tuple[int, ...], int] | None = None  # (slot, prompt ids, cells) of the last sequence

    def close(self) -> None:
        lib = self.lib
        if getattr(self, "ctx", None):
            lib.llama_batch_free(self.batch)
            lib.llama_free(self.ctx)
            lib.llama_model_free(self.model)
            self.ctx = self.model = None

    def __del__(self) -> None:  # the C objects outlive nothing else; free them with the runtime
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: the process frees everything anyway
            pass

    # -- model facts ------------------------------------------------------------------------------------
    def end_ids(self) -> list[int]:
        """Ids that end generation in this GGUF (end of sequence, end of turn, ...)."""
        return [t for t in range(self.n_vocab) if self.lib.llama_vocab_is_eog(self.vocab, t)]

    def chat_template(self) -> str | None:
        template = self.lib.llama_model_chat_template(self.model, None)
        return template.decode("utf-8") if template else None

    def tokenize(self, text: str, special: bool = True) -> list[int]:
        """llama.cpp's own tokenization (no BOS added), for comparing with the Hugging Face tokenizer's."""
        data = text.encode("utf-8")
        room = len(data) + 8
        out = (self.lib.llama_token * room)()
        n = self.lib.llama_tokenize(self.vocab, data, len(data), out, room, False, special)
        if n < 0:
            raise ValueError("llama_tokenize: buffer too small")
        return list(out[:n])

    # -- decoding ---------------------------------------------------------------------------------------
    def decode(self, requests: Sequence[Request], stop_ids: Sequence[int]) -> list[list[int]]:
        """Generated ids of each request (up to and including its stop id), in the order of `requests`."""
        stops = frozenset(int(t) for t in stop_ids)
        # A call starts from an empty cache: llama.cpp's results depend (in the last bits, and so now and
        # then in a greedy choice) on how a prompt's tokens were batched, so an answer must depend on the
        # call's prompts only, not on what ran before (a resumed run must write what a whole run writes).
        self._kept = None
        order = sorted(range(len(requests)), key=lambda i: requests[i].ids)
        results: list[list[int]] = [[] for _ in requests]
        for group in self._groups(order, requests):
            for i, ids in zip(group, self._decode_group([requests[i] for i in group], stops), strict=True):
                results[i] = ids
        return results

    def _groups(self, order: list[int], requests: Sequence[Request]) -> Iterator[list[int]]:
        """Consecutive runs of at most n_seq requests whose prompts and answers fit the cells together."""
        group: list[int] = []
        cells = 0
        for i in order:
            need = len(requests[i].ids) + requests[i].max_new_tokens
            if need > self.n_ctx:
                raise ValueError(f"a prompt of {len(requests[i].ids)} tokens + {requests[i].max_new_tokens} new "
                                 f"does not fit the llama.cpp context ({self.n_ctx} tokens)")
            if group and (len(group) == self.n_seq or cells + need > self.n_ctx):
                yield group
                group, cells = [], 0
            group.append(i)
            cells += need
        if group:
            yield group

    def _decode_group(self, requests: list[Request], stops: frozenset[int]) -> list[list[int]]:
        lib, mem = self.lib, self.memory
        cells = sum(len(r.ids) + r.max_new_tokens for r in requests)
        kept = self._kept if self.prefix_reuse and self._kept and self._kept[2] + cells <= self.n_ctx else None
        for slot in range(self.n_seq):
            if kept is None or slot != kept[0]:
                lib.llama_memory_seq_rm(mem, slot, -1, -1)
        generated: list[list[int]] = []
        previous = kept[:2] if kept else None
        for slot, request in enumerate(requests):
            shared = _common_prefix(previous[1], request.ids) if previous and self.prefix_reuse else 0
            shared = min(shared, len(request.ids) - 1)  # the last prompt token is computed: its logits choose
            if previous and previous[0] == slot:
                lib.llama_memory_seq_rm(mem, slot, shared, -1)
            else:
                lib.llama_memory_seq_rm(mem, slot, -1, -1)
                if shared:
                    lib.llama_memory_seq_cp(mem, previous[0], slot, 0, shared)
            last = self._prefill(slot, request.ids, shared)
            generated.append([self._choose(last, request, ())])
            previous = (slot, request.ids)
        active = [j for j, r in enumerate(requests) if not _done(generated[j], r, stops)]
        while active:
            self._run([(generated[j][-1], len(requests[j].ids) + len(generated[j]) - 1, j, True) for j in active])
            for row, j in enumerate(active):
                generated[j].append(self._choose(row, requests[j], generated[j]))
            active = [j for j in active if not _done(generated[j], requests[j], stops)]
        last = len(requests) - 1
        self._kept = (last, requests[last].ids, len(requests[last].ids) + len(generated[last]))
        return generated

    def _prefill(self, slot: int, ids: tuple[int, ...], start: int) -> int:
        """Compute ids[start:] of a sequence; the batch row whose logits follow its last token."""
        for chunk in range(start, len(ids), PREFILL_CHUNK):
            piece = ids[chunk : chunk + PREFILL_CHUNK]
            end = chunk + len(piece)
            self._run([(t, chunk + k, slot, chunk + k == len(ids) - 1) for k, t in enumerate(piece)])
            self.prefilled_tokens += len(piece)
            if end == len(ids):
                return len(piece) - 1
        raise AssertionError("nothing to prefill")  # start < len(ids) always (see the caller)

    def _run(self, rows: list[tuple[int, int, int, bool]]) -> None:
        """One llama_decode of (token, position, sequence, wants logits) rows."""
        batch = self.batch
        for i, (token, pos, seq, logits) in enumerate(rows):
            batch.token[i] = token
            batch.pos[i] = pos
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seq
            batch.logits[i] = logits
        batch.n_tokens = len(rows)
        status = self.lib.llama_decode(self.ctx, batch)
        if status != 0:
            raise RuntimeError(f"llama_decode failed with status {status} ({len(rows)} tokens)")

    def _choose(self, row: int, request: Request, generated: Sequence[int]) -> int:
        pointer = self.lib.llama_get_logits_ith(self.ctx, row)
        logits = np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)), shape=(self.n_vocab,))
        if request.allowed is None:
            return int(np.argmax(logits))
        allowed = np.fromiter(request.allowed(generated), dtype=np.int64)
        allowed = allowed[allowed < self.n_vocab]
        return int(allowed[np.argmax(logits[allowed])])


def _errors_only_logs(lib) -> None:
    """llama.cpp logs every tensor and setting it loads: pass on its errors only."""
    global _log_callback
    if _log_callback is None:
        def errors_only(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
            if level == GGML_LOG_LEVEL_ERROR:
                sys.stderr.write(text.decode("utf-8", "replace"))

        _log_callback = lib.llama_log_callback(errors_only)
        lib.llama_log_set(_log_callback, ctypes.c_void_p(0))


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _done(generated: list[int], request: Request, stops: frozenset[int]) -> bool:
    return generated[-1] in stops or len(generated) >= request.max_new_tokens
