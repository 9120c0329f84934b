"""Dominant colours inside the garment mask, snapped to the closet's named colours."""

import numpy as np
from PIL import Image

from inference.taxonomy import COLORS

VERSION = "kmeans-lab-3"
SAMPLE_SIDE = 256
MAX_PIXELS = 12_000  # k-means on a random sample; shares barely move, time drops tenfold
CLUSTERS = 5
MAX_COLORS = 3
MIN_SHARE = 0.08  # smaller patches are trims, prints or mask noise


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """N x 3 sRGB in 0..255 to CIELAB (D65)."""
    c = rgb.astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805],
                             [0.2126, 0.7152, 0.0722],
                             [0.0193, 0.1192, 0.9505]]).T
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


NAMED_LAB = srgb_to_lab(np.array([color.rgb for color in COLORS]))
# Below this chroma a colour reads as a grey, named by lightness alone. Indoor light
# tints greys a little, so it would otherwise snap to pale blue or beige.
ACHROMATIC_CHROMA = 10.0
# Lightness of each grey, placed for phone photos: white cloth indoors is rarely above L* 85.
GREY_LIGHTNESS = {"black": 10.0, "charcoal": 32.0, "gray": 57.0, "white": 88.0}
# Lightness counts half: shade varies with light far more than hue does (as in CMC l:c 2:1).
LIGHTNESS_WEIGHT = 0.5


def name_color(lab: np.ndarray) -> int:
    """Index into COLORS of the name for one CIELAB colour."""
    chroma = float(np.hypot(lab[1], lab[2]))
    codes = [color.code for color in COLORS]
    if chroma < ACHROMATIC_CHROMA:
        grey = min(GREY_LIGHTNESS, key=lambda code: abs(GREY_LIGHTNESS[code] - lab[0]))
        return codes.index(grey)
    chromatic = [i for i, code in enumerate(codes) if code not in GREY_LIGHTNESS]
    weights = np.array([LIGHTNESS_WEIGHT, 1.0, 1.0])
    distances = (((NAMED_LAB[chromatic] - lab) * weights) ** 2).sum(axis=1)
    return chromatic[int(distances.argmin())]


def kmeans(points: np.ndarray, k: int, *, iterations: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Plain k-means with k-means++ seeding; returns centres and each point's label."""
    rng = np.random.default_rng(seed)
    k = min(k, len(points))
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        distance = np.min(((points[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        if distance.sum() == 0:
            break
        centres.append(points[rng.choice(len(points), p=distance / distance.sum())])
    centres = np.array(centres)
    for _ in range(iterations):
        labels = ((points[:, None, :] - centres[None]) ** 2).sum(-1).argmin(axis=1)
        moved = np.array([points[labels == i].mean(axis=0) if np.any(labels == i) else centres[i]
                          for i in range(len(centres))])
        if np.allclose(moved, centres):
            break
        centres = moved
    labels = ((points[:, None, :] - centres[None]) ** 2).sum(-1).argmin(axis=1)
    return centres, labels


def dominant_colors(image: Image.Image, mask: np.ndarray | None) -> list[dict]:
    """Up to three {"name", "en", "ko", "hex", "share"}, largest first; a share is of the garment's pixels,
    and patches under MIN_SHARE are left out."""
    small = image.convert("RGB").copy()
    # Nearest-neighbour keeps real pixel colours: smoothing would blend stripes into a third colour.
    small.thumbnail((SAMPLE_SIDE, SAMPLE_SIDE), Image.NEAREST)
    pixels = np.asarray(small).reshape(-1, 3)
    if mask is not None:
        small_mask = Image.fromarray(mask.astype(np.uint8) * 255).resize(small.size, Image.NEAREST)
        inside = np.asarray(small_mask).reshape(-1) > 127
        if inside.sum() >= 50:
            pixels = pixels[inside]
    if len(pixels) > MAX_PIXELS:
        pixels = pixels[np.random.default_rng(0).choice(len(pixels), MAX_PIXELS, replace=False)]
    lab = srgb_to_lab(pixels)
    centres, labels = kmeans(lab, CLUSTERS)
    shares = np.bincount(labels, minlength=len(centres)) / len(labels)
    names = [name_color(centre) for centre in centres]
    merged: dict[int, dict] = {}
    for cluster, name_index in enumerate(names):
        entry = merged.setdefault(int(name_index), {"share": 0.0, "rgb": np.zeros(3)})
        members = pixels[labels == cluster]
        if len(members):
            entry["rgb"] += members.astype(np.float64).sum(axis=0)
        entry["share"] += float(shares[cluster])
    result = []
    total_pixels = len(pixels)
    for name_index, entry in sorted(merged.items(), key=lambda kv: -kv[1]["share"]):
        if entry["share"] < MIN_SHARE or len(result) == MAX_COLORS:
            break
        mean_rgb = entry["rgb"] / max(1.0, entry["share"] * total_pixels)
        color = COLORS[name_index]
        result.append({
            "name": color.code, "en": color.en, "ko": color.ko,
            "hex": "#%02x%02x%02x" % tuple(int(round(v)) for v in np.clip(mean_rgb, 0, 255)),
            "share": round(entry["share"], 3),
        })
    return result


# Two photos of the same shot name mostly the same colours; the garment embedding alone
# hardly sees colour (pink and green clogs score alike).
SAME_SHOT_COLOR_OVERLAP = 0.5


def overlap(first: list[dict], second: list[dict]) -> float:
    """How far two colour lists agree, 0..1: over the names, the smaller of the two shares.
    Colours a person picked carry no share and count equally."""
    def shares(entries):
        return {entry["name"]: entry.get("share") or 1 / len(entries) for entry in entries}

    if not first or not second:
        return 0.0
    a, b = shares(first), shares(second)
    return round(sum(min(a[name], b[name]) for name in a.keys() & b.keys()), 4)
