"""Small images made in memory, for the logo's tests."""
from __future__ import annotations

import io
import random

from PIL import Image


def image(kind: str = "PNG", size: tuple[int, int] = (40, 20), *, noise: bool = False) -> bytes:
    """An image file of ``kind`` (PNG, JPEG, GIF); ``noise`` makes it incompressible, so large."""
    picture = Image.new("RGB", size, (29, 36, 51))
    if noise:
        picture = Image.frombytes("RGB", size, random.Random(14).randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    picture.save(buffer, format=kind)
    return buffer.getvalue()
