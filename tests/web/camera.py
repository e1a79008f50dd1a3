"""A fake camera for Chromium (--use-file-for-fake-video-capture): a Y4M video of a real voucher's QR code."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import png


def png_to_gray(data: bytes) -> np.ndarray:
    width, height, rows, info = png.Reader(file=io.BytesIO(data)).asRGBA8()
    rgba = np.vstack([np.frombuffer(bytes(row), dtype=np.uint8) for row in rows]).reshape(height, width, 4)
    rgb = rgba[:, :, :3].astype(np.float32)
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0
    rgb = rgb * alpha + 255.0 * (1.0 - alpha)  # transparent parts read as white paper
    return (0.299 * rgb[:, :, 0] + 0.587 * rgb[:, :, 1] + 0.114 * rgb[:, :, 2]).astype(np.uint8)


def write_y4m(qr_png: bytes, path: Path, width: int = 640, height: int = 480, frames: int = 15) -> Path:
    """The QR centred on a light grey frame, as I420 (4:2:0) frames; Chromium loops the file."""
    gray = png_to_gray(qr_png)
    scale = max(1, min((height - 40) // gray.shape[0], (width - 40) // gray.shape[1]))
    if gray.shape[0] > height - 20 or gray.shape[1] > width - 20:  # big PNG: shrink by an integer factor
        factor = int(np.ceil(max(gray.shape[0] / (height - 40), gray.shape[1] / (width - 40))))
        gray = gray[::factor, ::factor]
        scale = 1
    qr = np.kron(gray, np.ones((scale, scale), dtype=np.uint8))
    y_plane = np.full((height, width), 235, dtype=np.uint8)
    top, left = (height - qr.shape[0]) // 2, (width - qr.shape[1]) // 2
    y_plane[top:top + qr.shape[0], left:left + qr.shape[1]] = qr
    # Full-range grey to video range (16..235), which is what Y4M/I420 consumers expect.
    y_plane = (16 + y_plane.astype(np.float32) * (219 / 255)).astype(np.uint8)
    chroma = np.full((height // 2, width // 2), 128, dtype=np.uint8).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(y_plane.tobytes())
            out.write(chroma)
            out.write(chroma)
    return path
