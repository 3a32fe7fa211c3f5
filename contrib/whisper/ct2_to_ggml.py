#!/usr/bin/env python3
"""Converts a CTranslate2 Whisper model (model.bin + config) into the ggml file whisper.cpp loads.

Ringback's default offline model comes from PyPI as CTranslate2 tensors (OpenAI's Whisper base, MIT); whisper.cpp
reads its own ggml layout. This writes that layout from the standard library alone (no numpy, no torch):

  header    magic 'ggml', 11 int32 hyper-parameters (vocabulary, audio and text context, width, heads, layers,
            mel bands, ftype)
  mel bank  n_mel, n_fft, then n_mel x n_fft float32 (from openai-whisper's assets/mel_filters.npz)
  tokens    count, then each as int32 length + bytes (from openai-whisper's assets/*.tiktoken)
  tensors   n_dims, name length, type, dims innermost first, name, data (float16 for matrices, float32 otherwise;
            with q8_0, the weight matrices in ggml's Q8_0 blocks and the convolutions still float16)

CTranslate2 fuses the attention projections (self-attention Q|K|V, cross-attention K|V); they are split here, and
the key projection's bias, which Whisper does not have (CTranslate2 stores zeros), is dropped.

q8_0 stores each run of 32 weights as one float16 scale (the largest magnitude / 127) and 32 signed bytes (each
weight / scale, rounded half away from zero): about half the size of float16, and the same words (README, WER).

Usage: ct2_to_ggml.py MODEL.bin ASSETS_DIR OUT.bin [f16|q8_0]
"""
import base64
import io
import struct
import sys
import zipfile

DTYPE_FLOAT32, DTYPE_INT8, DTYPE_INT16, DTYPE_INT32, DTYPE_FLOAT16 = 0, 1, 2, 3, 4


class Tensor:
    def __init__(self, shape, dtype, data):
        self.shape, self.dtype, self.data = tuple(shape), dtype, data

    def rows(self, start, stop):
        """Rows start..<stop of a matrix (or elements of a vector), same dtype."""
        width = 1
        for dim in self.shape[1:]:
            width *= dim
        size = 2 if self.dtype == DTYPE_FLOAT16 else 4
        return Tensor((stop - start,) + self.shape[1:], self.dtype, self.data[start * width * size:stop * width * size])

    def scalar(self):
        if self.dtype == DTYPE_INT8:
            return struct.unpack("<b", self.data)[0]
        if self.dtype == DTYPE_INT16:
            return struct.unpack("<h", self.data)[0]
        if self.dtype == DTYPE_INT32:
            return struct.unpack("<i", self.data)[0]
        raise SystemExit(f"unexpected scalar dtype {self.dtype}")


def read_ct2(path):
    """All variables of a CTranslate2 model.bin (binary version 6), aliases resolved."""
    with open(path, "rb") as f:
        blob = f.read()
    offset = 0

    def take(fmt):
        nonlocal offset
        values = struct.unpack_from("<" + fmt, blob, offset)
        offset += struct.calcsize("<" + fmt)
        return values

    def string():
        nonlocal offset
        (length,) = take("H")
        text = blob[offset:offset + length - 1].decode("utf-8")
        offset += length
        return text

    (version,) = take("I")
    if version != 6:
        raise SystemExit(f"{path}: CTranslate2 binary version {version}, expected 6")
    spec = string()
    if spec != "WhisperSpec":
        raise SystemExit(f"{path}: a {spec}, not a Whisper model")
    take("I")  # revision
    (count,) = take("I")
    variables = {}
    for _ in range(count):
        name = string()
        (rank,) = take("B")
        shape = take("I" * rank) if rank else ()
        (dtype,) = take("B")
        (size,) = take("I")
        variables[name] = Tensor(shape, dtype, blob[offset:offset + size])
        offset += size
    (aliases,) = take("I")
    for _ in range(aliases):
        alias, target = string(), string()
        variables[alias] = variables[target]
    return variables


def read_npy(data):
    """A little-endian float32 .npy array as (shape, raw bytes)."""
    if data[:6] != b"\x93NUMPY":
        raise SystemExit("mel_filters.npz: not a .npy member")
    major = data[6]
    if major == 1:
        (header_length,) = struct.unpack_from("<H", data, 8)
        start = 10
    else:
        (header_length,) = struct.unpack_from("<I", data, 8)
        start = 12
    header = data[start:start + header_length].decode("latin-1")
    header_dict = eval(header, {"__builtins__": {}})  # a Python literal dict, as numpy writes it
    if header_dict["descr"] != "<f4" or header_dict["fortran_order"]:
        raise SystemExit(f"mel_filters.npz: unexpected layout {header}")
    return header_dict["shape"], data[start + header_length:]


def mel_filters(assets, n_mels):
    with zipfile.ZipFile(f"{assets}/mel_filters.npz") as archive:
        shape, raw = read_npy(archive.read(f"mel_{n_mels}.npy"))
    return shape, raw


def tiktoken_tokens(assets, multilingual):
    name = "multilingual.tiktoken" if multilingual else "gpt2.tiktoken"
    tokens = []
    with open(f"{assets}/{name}", "rb") as f:
        for line in f.read().splitlines():
            if line:
                token, rank = line.split()
                tokens.append((int(rank), base64.b64decode(token)))
    tokens.sort()
    if [rank for rank, _ in tokens] != list(range(len(tokens))):
        raise SystemExit(f"{name}: ranks are not 0..n-1")
    return [token for _, token in tokens]


def as_float32(tensor):
    if tensor.dtype == DTYPE_FLOAT32:
        return tensor.data
    if tensor.dtype == DTYPE_FLOAT16:
        count = len(tensor.data) // 2
        return struct.pack(f"<{count}f", *struct.unpack(f"<{count}e", tensor.data))
    raise SystemExit(f"unsupported dtype {tensor.dtype} (a quantised CTranslate2 model; use a float16 one)")


def as_float16(tensor):
    if tensor.dtype == DTYPE_FLOAT16:
        return tensor.data
    if tensor.dtype == DTYPE_FLOAT32:
        count = len(tensor.data) // 4
        return struct.pack(f"<{count}e", *struct.unpack(f"<{count}f", tensor.data))
    raise SystemExit(f"unsupported dtype {tensor.dtype} (a quantised CTranslate2 model; use a float16 one)")


GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_Q8_0 = 0, 1, 8
GGML_FTYPE_MOSTLY_F16, GGML_FTYPE_MOSTLY_Q8_0, GGML_QNT_VERSION_FACTOR, GGML_QNT_VERSION = 1, 7, 1000, 2


def as_q8_0(tensor):
    """ggml's Q8_0 blocks of a row-major matrix whose rows are a multiple of 32 long."""
    if tensor.shape[-1] % 32:
        raise SystemExit(f"a row of {tensor.shape[-1]} is not a whole number of 32-weight blocks")
    data = as_float16(tensor)
    values = struct.unpack(f"<{len(data) // 2}e", data)
    out = bytearray()
    pack_block = struct.Struct("<e32b").pack
    for start in range(0, len(values), 32):
        block = values[start:start + 32]
        amax = max(max(block), -min(block))
        scale = amax / 127
        inverse = 1 / scale if scale else 0.0
        out += pack_block(scale, *[int(x * inverse + 0.5) if x >= 0 else -int(-x * inverse + 0.5) for x in block])
    return bytes(out)


def ggml_tensors(v, n_audio_layer, n_text_layer, width):
    """(ggml name, tensor, reshape) in whisper.cpp's naming, from CTranslate2's."""

    def norm(prefix, ct2):
        yield f"{prefix}.weight", v[f"{ct2}/gamma"]
        yield f"{prefix}.bias", v[f"{ct2}/beta"]

    def linear(prefix, ct2, bias=True):
        yield f"{prefix}.weight", v[f"{ct2}/weight"]
        if bias:
            yield f"{prefix}.bias", v[f"{ct2}/bias"]

    def split(prefix_names, ct2):
        weight, bias = v[f"{ct2}/weight"], v[f"{ct2}/bias"]
        for index, (name, has_bias) in enumerate(prefix_names):
            yield f"{name}.weight", weight.rows(index * width, (index + 1) * width)
            if has_bias:
                yield f"{name}.bias", bias.rows(index * width, (index + 1) * width)

    yield "encoder.positional_embedding", v["encoder/position_encodings/encodings"]
    yield "encoder.conv1.weight", v["encoder/conv1/weight"]
    yield "encoder.conv1.bias", v["encoder/conv1/bias"]
    yield "encoder.conv2.weight", v["encoder/conv2/weight"]
    yield "encoder.conv2.bias", v["encoder/conv2/bias"]
    for i in range(n_audio_layer):
        ct2, name = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        yield from norm(f"{name}.attn_ln", f"{ct2}/self_attention/layer_norm")
        yield from split([(f"{name}.attn.query", True), (f"{name}.attn.key", False), (f"{name}.attn.value", True)],
                         f"{ct2}/self_attention/linear_0")
        yield from linear(f"{name}.attn.out", f"{ct2}/self_attention/linear_1")
        yield from norm(f"{name}.mlp_ln", f"{ct2}/ffn/layer_norm")
        yield from linear(f"{name}.mlp.0", f"{ct2}/ffn/linear_0")
        yield from linear(f"{name}.mlp.2", f"{ct2}/ffn/linear_1")
    yield from norm("encoder.ln_post", "encoder/layer_norm")

    yield "decoder.positional_embedding", v["decoder/position_encodings/encodings"]
    yield "decoder.token_embedding.weight", v["decoder/embeddings/weight"]
    for i in range(n_text_layer):
        ct2, name = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        yield from norm(f"{name}.attn_ln", f"{ct2}/self_attention/layer_norm")
        yield from split([(f"{name}.attn.query", True), (f"{name}.attn.key", False), (f"{name}.attn.value", True)],
                         f"{ct2}/self_attention/linear_0")
        yield from linear(f"{name}.attn.out", f"{ct2}/self_attention/linear_1")
        yield from norm(f"{name}.cross_attn_ln", f"{ct2}/attention/layer_norm")
        yield from linear(f"{name}.cross_attn.query", f"{ct2}/attention/linear_0")
        yield from split([(f"{name}.cross_attn.key", False), (f"{name}.cross_attn.value", True)],
                         f"{ct2}/attention/linear_1")
        yield from linear(f"{name}.cross_attn.out", f"{ct2}/attention/linear_2")
        yield from norm(f"{name}.mlp_ln", f"{ct2}/ffn/layer_norm")
        yield from linear(f"{name}.mlp.0", f"{ct2}/ffn/linear_0")
        yield from linear(f"{name}.mlp.2", f"{ct2}/ffn/linear_1")
    yield from norm("decoder.ln", "decoder/layer_norm")


def layers(v, side):
    count = 0
    while f"{side}/layer_{count}/ffn/linear_0/weight" in v:
        count += 1
    return count


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[4:] not in ([], ["f16"], ["q8_0"]):
        raise SystemExit(__doc__.strip().splitlines()[-1])
    model_path, assets, out_path = sys.argv[1:4]
    quantized = sys.argv[4:] == ["q8_0"]
    v = read_ct2(model_path)

    n_vocab, width = v["decoder/embeddings/weight"].shape
    n_audio_ctx = v["encoder/position_encodings/encodings"].shape[0]
    n_text_ctx = v["decoder/position_encodings/encodings"].shape[0]
    n_mels = v["encoder/conv1/weight"].shape[1]
    n_audio_layer, n_text_layer = layers(v, "encoder"), layers(v, "decoder")
    n_audio_head, n_text_head = v["encoder/num_heads"].scalar(), v["decoder/num_heads"].scalar()
    # A key projection without a bias is what whisper.cpp builds; CTranslate2 must have stored zeros there.
    qkv_bias = v["encoder/layer_0/self_attention/linear_0/bias"]
    if any(as_float32(qkv_bias.rows(width, 2 * width))[i] for i in range(0, width * 4)):
        raise SystemExit("the key projection has a bias; this is not a Whisper model converted by CTranslate2")

    (n_mel_rows, n_fft), mel = mel_filters(assets, n_mels)
    tokens = tiktoken_tokens(assets, multilingual=n_vocab >= 51865)

    with open(out_path, "wb") as out:
        out.write(struct.pack("<i", 0x67676D6C))
        out.write(struct.pack(
            "<11i", n_vocab, n_audio_ctx, width, n_audio_head, n_audio_layer, n_text_ctx, width, n_text_head,
            n_text_layer, n_mels,
            GGML_QNT_VERSION * GGML_QNT_VERSION_FACTOR + GGML_FTYPE_MOSTLY_Q8_0 if quantized else GGML_FTYPE_MOSTLY_F16))
        out.write(struct.pack("<ii", n_mel_rows, n_fft))
        out.write(mel)
        out.write(struct.pack("<i", len(tokens)))
        for token in tokens:
            out.write(struct.pack("<i", len(token)))
            out.write(token)
        written = 0
        for name, tensor in ggml_tensors(v, n_audio_layer, n_text_layer, width):
            shape = tensor.shape
            if name in ("encoder.conv1.bias", "encoder.conv2.bias"):
                shape = (shape[0], 1)
            small = len(shape) < 2 or name in (
                "encoder.conv1.bias", "encoder.conv2.bias", "encoder.positional_embedding", "decoder.positional_embedding")
            if small:
                kind, data = GGML_TYPE_F32, as_float32(tensor)
            elif quantized and len(shape) == 2:  # the convolutions (3-D) stay float16, as whisper.cpp expects
                kind, data = GGML_TYPE_Q8_0, as_q8_0(tensor)
            else:
                kind, data = GGML_TYPE_F16, as_float16(tensor)
            encoded = name.encode("utf-8")
            out.write(struct.pack("<iii", len(shape), len(encoded), kind))
            out.write(struct.pack(f"<{len(shape)}i", *reversed(shape)))
            out.write(encoded)
            out.write(data)
            written += 1
    print(f"{out_path}: {written} tensors, {n_audio_layer}+{n_text_layer} layers, width {width}, vocabulary {n_vocab}")


if __name__ == "__main__":
    main()
