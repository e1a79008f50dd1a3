"""QR codes for voucher URLs, as SVG and PNG (pypng; no Pillow in the Lambda bundle).

The QR holds the URL in upper case: the whole string then stays in the QR alphanumeric set (5.5 bits per
character instead of 8), so a 122-character token behind a 32-character base URL fits version 7 at level M.
Scheme and host are case-insensitive, and the app answers `/V/<TOKEN>` as well as `/v/<token>`.
"""

from __future__ import annotations

import io

ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def qr_text(url: str) -> str:
    upper = url.upper()
    return upper if set(upper) <= ALPHANUMERIC else url


def _make(url: str):  # type: ignore[no-untyped-def]
    import qrcode  # imported where used: keeps it off the cold-start path of every other route
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(version=None, error_correction=ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(qr_text(url), optimize=0)
    code.make(fit=True)
    return code


def qr_version(url: str) -> int:
    return int(_make(url).version)


def qr_svg(url: str) -> bytes:
    from qrcode.image.svg import SvgPathImage

    image = _make(url).make_image(image_factory=SvgPathImage)
    buf = io.BytesIO()
    image.save(buf)
    return buf.getvalue()


def qr_png(url: str, box_size: int = 8) -> bytes:
    from qrcode.image.pure import PyPNGImage

    code = _make(url)
    code.box_size = box_size
    buf = io.BytesIO()
    code.make_image(image_factory=PyPNGImage).save(buf)
    return buf.getvalue()
