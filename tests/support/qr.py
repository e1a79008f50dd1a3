"""Decoding QR codes in tests with a real decoder (zxing-cpp), from PNG bytes made by pypng."""

from __future__ import annotations

import io

import numpy as np
import png
import zxingcpp


def decode_png(data: bytes) -> tuple[str, str]:
    """Decode a QR PNG with a real decoder (zxing-cpp); returns its text and symbol version."""
    width, height, rows, info = png.Reader(file=io.BytesIO(data)).asDirect()
    scale = 255 // ((1 << info["bitdepth"]) - 1)
    pixels = np.vstack([np.asarray(row, dtype=np.uint16) for row in rows]).reshape(height, width, info["planes"])
    gray = np.ascontiguousarray((pixels[:, :, 0] * scale).astype(np.uint8))
    [result] = zxingcpp.read_barcodes(gray)
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    return result.text, result.symbology_identifier
