"""Emoji drawn as SVG in an Iconify icon set (npm `@iconify-json/<set>`), rasterised offline.

An icon set is one `icons.json`: SVG bodies keyed by CLDR-style names (`red-apple`, `cat`), and aliases
that reuse another icon's body, possibly mirrored (`backhand-index-pointing-right` is the left one,
flipped). Rasterising uses resvg (PyPI `resvg-py`, no system library).
"""

import io
import json
import re
import unicodedata
from pathlib import Path

import numpy as np
from PIL import Image

from deep_learning.common.data.text_image import flatten_on_white

# emoji-datasource's skin-tone code points -> the names Iconify's sets append
TONE_NAMES = {"1F3FB": "light", "1F3FC": "medium-light", "1F3FD": "medium", "1F3FE": "medium-dark", "1F3FF": "dark"}


def icon_name(label: str) -> str:
    """A CLDR name as Iconify's emoji sets key it: "A button (blood type)" -> "a-button-blood-type"."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_label.lower()).strip("-")


class IconSet:
    def __init__(self, path: Path):
        data = json.loads(Path(path).read_text())
        self.icons, self.aliases = data["icons"], data.get("aliases", {})
        self.width, self.height = data.get("width", 16), data.get("height", 16)

    def __contains__(self, name: str) -> bool:
        return name in self.icons or name in self.aliases

    def tone_variant(self, name: str, tone: str) -> str | None:
        """The icon of `name` in one skin tone, under either naming the sets use ("-dark", "-dark-skin-tone")."""
        for candidate in (f"{name}-{TONE_NAMES[tone]}", f"{name}-{TONE_NAMES[tone]}-skin-tone"):
            if candidate in self:
                return candidate
        return None

    def svg(self, name: str) -> str:
        """A standalone SVG document of one icon, aliases resolved and their flips applied."""
        h_flip = v_flip = False
        for _ in range(8):  # an alias may point at another alias
            if name in self.icons:
                break
            alias = self.aliases[name]
            h_flip ^= bool(alias.get("hFlip"))
            v_flip ^= bool(alias.get("vFlip"))
            name = alias["parent"]
        icon = self.icons[name]
        left, top = icon.get("left", 0), icon.get("top", 0)
        width, height = icon.get("width", self.width), icon.get("height", self.height)
        body = icon["body"]
        if h_flip or v_flip:
            sx, sy = (-1 if h_flip else 1), (-1 if v_flip else 1)
            tx, ty = (2 * left + width if h_flip else 0), (2 * top + height if v_flip else 0)
            body = f'<g transform="translate({tx} {ty}) scale({sx} {sy})">{body}</g>'
        return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                f'viewBox="{left} {top} {width} {height}">{body}</svg>')

    def rasterise(self, name: str, size: int = 64) -> np.ndarray:
        """RGB uint8 [size, size, 3] on white."""
        import resvg_py  # imported here: only data preparation needs it

        png = resvg_py.svg_to_bytes(svg_string=self.svg(name), width=size, height=size)
        rgba = np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGBA"))
        return flatten_on_white(rgba)
