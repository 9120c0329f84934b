"""Shared plumbing for the ONNX models: device choice, sessions and versions."""

import hashlib
import os
from pathlib import Path


def execution_providers() -> list[str]:
    """CUDA when onnxruntime can see a GPU, else the CPU."""
    import onnxruntime

    available = onnxruntime.get_available_providers()
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def onnx_session(path: str | Path, *, threads: int | None = None):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    threads = threads or int(os.environ.get("INFERENCE_THREADS", "0"))
    if threads:
        options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(
        str(path), sess_options=options, providers=execution_providers()
    )


def file_digest(path: str | Path, length: int = 12) -> str:
    """Short content hash: two weight files with the same name never share a version."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:length]
