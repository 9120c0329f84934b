"""The garment's colours as a person would name them.

A lamp's or the shade's cast is taken out where the background and the garment both show
it, and a dim photo is brought up to white; the garment's pixels are grouped so that a
fold's shadow stays with the lit cloth; each group is named from its lit pixels by regions
of CIELAB lightness, chroma and hue; skin inside the mask is left out, and the shares add
up over the garment. Measured on labelled photos by `manage.py evaluate_colors`
(data/colors/README.md).
"""

import numpy as np
from PIL import Image

from inference.taxonomy import COLORS

VERSION = "lch-regions-5"
SAMPLE_SIDE = 160
CLUSTERS = 5
MAX_COLORS = 3
MIN_SHARE = 0.08  # smaller patches are trims, prints or mask noise
# A mask over less of the photo than this is a print, a label or a fragment the segmenter
# picked rather than the garment (flat lays fill the frame); the photo's middle is used then.
MIN_MASK_FRACTION = 0.06
CODES = [color.code for color in COLORS]


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_lab(linear: np.ndarray) -> np.ndarray:
    """N x 3 linear sRGB to CIELAB (D65)."""
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805],
                             [0.2126, 0.7152, 0.0722],
                             [0.0193, 0.1192, 0.9505]]).T
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(np.maximum(xyz, 0)), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """N x 3 sRGB in 0..255 to CIELAB (D65)."""
    return linear_to_lab(srgb_to_linear(rgb))


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    c = np.clip(linear, 0, 1)
    return 255 * np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


def lab_to_linear(lab: np.ndarray) -> np.ndarray:
    """N x 3 CIELAB (D65) to linear sRGB."""
    fy = (lab[:, 0] + 16) / 116
    f = np.stack([fy + lab[:, 1] / 500, fy, fy - lab[:, 2] / 200], axis=1)
    xyz = np.where(f > 6 / 29, f ** 3, (f - 16 / 116) / 7.787) * np.array([0.95047, 1.0, 1.08883])
    return xyz @ np.linalg.inv(np.array([[0.4124, 0.3576, 0.1805],
                                         [0.2126, 0.7152, 0.0722],
                                         [0.0193, 0.1192, 0.9505]])).T


# White balance. Phones balance most photos well (correcting every photo towards grey made
# the names worse: beige floors and wooden tables are not grey); what they leave is a warm
# lamp's or a cool shade's cast over the whole scene. A cast counts only as far as the
# brightest pale parts of both the background and the garment show it: a beige floor
# alone, or a cream garment on a white sheet, is a colour, not the light.
CAST_AXIS = np.array([0.28, 0.96])  # a*, b* of the warm-to-cool direction of lamps and daylight
# Tint along it that is left alone: what remains after a correction stays below the
# chroma (7) from which a light colour is named pink or ivory rather than white.
CAST_DEAD_ZONE = 5.0
PALE_CHROMA = 35.0  # a lamp-lit white reaches this; a yellow or orange garment is beyond it
MIN_PALE_FRACTION = 0.05
# Exposure: phones expose for mid-grey, so a white shirt filling the frame comes out grey.
# The photo's brightest pale pixels are lifted towards white, at most this much: a white is
# pale, and a bright saturated sheet or floor (red, yellow) says nothing about exposure.
WHITE_REFERENCE_PERCENTILE = 97
WHITE_TARGET_Y = 0.80
MAX_EXPOSURE_GAIN = 1.6


def _pale_tint(lab: np.ndarray) -> float:
    """How warm (+) or cool (-) the brightest quarter of these pixels' pale ones is."""
    pale = lab[np.hypot(lab[:, 1], lab[:, 2]) < PALE_CHROMA]
    if len(pale) < max(10, MIN_PALE_FRACTION * len(lab)):
        return 0.0
    bright = pale[pale[:, 0] >= np.percentile(pale[:, 0], 75)]
    return float(bright[:, 1:].mean(axis=0) @ CAST_AXIS)


def balance(linear: np.ndarray, garment: np.ndarray) -> np.ndarray:
    """The N x 3 linear pixels of the whole photo, white-balanced and exposed; `garment` says
    which pixels are the garment's."""
    lab = linear_to_lab(linear)
    tints = [_pale_tint(lab[part]) for part in (garment, ~garment) if part.any()]
    common = min(tints, key=abs) if all(t > 0 for t in tints) or all(t < 0 for t in tints) else 0.0
    cast = np.sign(common) * max(0.0, abs(common) - CAST_DEAD_ZONE)
    gains = np.ones(3)
    if cast:
        # Von Kries: the light's white, at the same luminance, becomes grey.
        white = lab_to_linear(np.array([[80.0, *(cast * CAST_AXIS)]]))[0]
        gains = (white @ np.array([0.2126, 0.7152, 0.0722])) / np.maximum(white, 1e-6)
    balanced = linear * gains
    luminance = balanced @ np.array([0.2126, 0.7152, 0.0722])
    pale = np.hypot(*linear_to_lab(balanced)[:, 1:].T) < PALE_CHROMA
    reference = luminance[pale] if pale.sum() >= MIN_PALE_FRACTION * len(pale) else luminance
    white_level = np.percentile(reference, WHITE_REFERENCE_PERCENTILE)
    return np.clip(balanced * np.clip(WHITE_TARGET_Y / max(white_level, 1e-6), 1.0, MAX_EXPOSURE_GAIN), 0, 1)


# Names by regions of lightness L, chroma C and hue h (CIELAB, degrees), the way people
# split colours, rather than the nearest palette point (which called light pinks grey,
# creams beige and navies black): a pale, low-chroma pink is still pink, a dark blue is
# navy, a dark yellow-green is khaki. Below the neutral chroma a colour is a grey named by
# lightness; the limits were set on the tuning half of data/colors.
# Black stops below the taxonomy's charcoal swatch (L 29.8).
GREY_LIGHTNESS = ((29.0, "black"), (40.0, "charcoal"), (76.0, "gray"), (101.0, "white"))


def neutral_chroma(lightness: float, hue: float) -> float:
    """Below this chroma a colour reads as a grey."""
    if hue >= 330 or hue < 100:
        # Pinks, creams and dusty roses read as colour at a lower chroma than blues and greens.
        return 7.0 if lightness > 60 else 8.0
    if 240 <= hue < 325 and lightness < 40:
        return 5.0  # a navy in a dim photo is only slightly blue, and still not black
    if 200 <= hue < 290 and lightness > 70:
        return 15.0  # white in the shade turns bluish
    return 9.0


# Very dark colours are black, except a blue whose chroma is large for its lightness: a navy
# at L 9 with C 8 is seen as navy, a black's tint stays under this share of L.
DARK_BLUE_SATURATION = 0.6


def name_lch(lightness: float, chroma: float, hue: float) -> str:
    """The closet's colour code for one CIELAB colour given as L, C, h."""
    L, C, h = lightness, chroma, hue % 360
    if C < neutral_chroma(L, h):
        return next(code for limit, code in GREY_LIGHTNESS if L < limit)
    if L < 14 and C < (min(20.0, DARK_BLUE_SATURATION * L) if 240 <= h < 325 else 20.0):
        return "black"
    if h >= 345 or h < 22:  # magenta-red to red: pink when light, burgundy when dark
        if L < 33:
            return "burgundy" if C >= 15 else "brown"
        if L < 45:
            return "red" if C >= 45 else "burgundy"
        if L >= 58 or C < 35:
            return "pink"
        return "pink" if h >= 345 or h < 8 else "red"
    if h < 45:  # red to red-orange; dusty roses
        if L < 33:
            return "burgundy" if h < 35 else "brown"
        if C >= 45:
            return "red" if (h < 38 or L < 55) else "orange"
        if L >= 60:
            return "pink" if h < 42 else "beige"
        return "brown" if L < 50 else "pink"
    if h < 75:  # orange, brown, tan, beige
        if C >= 45 and L >= 45:
            return "orange"
        if L < 52:
            return "brown"
        if L >= 86 and C < 20:
            return "ivory"
        return "orange" if C >= 38 else "beige"
    if h < 114:  # yellow, mustard, cream, olive
        if L >= 80:
            return "ivory" if C < 22 else "yellow" if h >= 88 or C >= 40 else "beige"  # beige is dull
        if C >= 40 and L >= 55:
            return "yellow"
        if L < 55:
            return "khaki" if h >= 88 else "brown"
        return "beige" if h < 90 else "khaki"
    if h < 135:  # yellow-green: lime when bright, olive when dull
        if L >= 70:
            return "green" if C >= 18 else "mint" if h >= 120 else "ivory"
        return "green" if C >= 40 and L >= 55 else "khaki"
    if h < 200:
        if L >= 72 and C < 45:
            return "mint"
        return "green"
    if h < 235:  # teal to cyan
        if L >= 68:
            return "mint" if h < 220 else "sky_blue"
        return "green" if h < 220 else "blue"
    if h < 300 or (h < 325 and L < 40 and C < 20):  # blues; a dull dark violet is a navy
        if L < 40:
            return "navy" if C < 45 else "blue"
        if h >= 285 and L >= 45:
            return "purple"
        if L >= 62:
            return "sky_blue"
        return "blue" if C >= 30 else "denim"
    # violet to magenta: a light magenta or a pale lilac-pink is called pink
    if (L >= 55 and h >= 330) or (L >= 60 and C < 30 and h >= 310):
        return "pink"
    return "purple" if L >= 22 else "navy"


def kmeans(points: np.ndarray, k: int, *, iterations: int = 10, seed: int = 0) -> np.ndarray:
    """Plain k-means with k-means++ seeding; returns each point's label."""
    rng = np.random.default_rng(seed)
    k = min(k, len(points))
    squared = (points ** 2).sum(axis=1)

    def distances(centres):
        return squared[:, None] - 2 * points @ centres.T + (centres ** 2).sum(axis=1)[None]

    centres = points[[rng.integers(len(points))]]
    for _ in range(1, k):
        nearest = np.maximum(distances(centres).min(axis=1), 0)
        if nearest.sum() == 0:
            break
        centres = np.vstack([centres, points[rng.choice(len(points), p=nearest / nearest.sum())]])
    labels = distances(centres).argmin(axis=1)
    for _ in range(iterations):
        counts = np.bincount(labels, minlength=len(centres))[:, None]
        sums = np.stack([np.bincount(labels, weights=points[:, j], minlength=len(centres))
                         for j in range(points.shape[1])], axis=1)
        moved = np.where(counts > 0, sums / np.maximum(counts, 1), centres)
        if np.allclose(moved, centres):
            break
        centres = moved
        labels = distances(centres).argmin(axis=1)
    return labels


# Grouping: lightness counts little against chroma relative to lightness, so a fold's
# shadow (darker, same hue) joins the lit cloth while black and white stay apart. k-means
# splits even a plain garment into CLUSTERS parts; parts closer than MERGE_DISTANCE are
# one colour again, so a plain blue dress is not a coin toss between blue, navy and denim.
GROUP_LIGHTNESS_WEIGHT = 0.35
GROUP_CHROMA_SCALE = 50.0
MERGE_DISTANCE = 10.0
# A group is named from its lit side: the pixels between these lightness percentiles,
# above the shadows and below the highlights.
LIT_PERCENTILES = (50, 90)
# Skin (hands holding the garment, a wearer's arms and face) inside the mask: groups of
# this colour are left out unless they are most of the garment (a nude or tan garment).
SKIN = ((35.0, 90.0), (10.0, 42.0), (28.0, 68.0))  # L, C, h ranges
SKIN_MAJORITY = 0.5


def _groups(features: np.ndarray) -> list[np.ndarray]:
    """Indices of the pixels of each colour group."""
    labels = kmeans(features, CLUSTERS)
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    centres = [features[group].mean(axis=0) for group in groups]
    while len(groups) > 1:
        distances = np.linalg.norm(np.array(centres)[:, None] - np.array(centres)[None], axis=-1)
        np.fill_diagonal(distances, np.inf)
        i, j = np.unravel_index(distances.argmin(), distances.shape)
        if distances[i, j] >= MERGE_DISTANCE:
            break
        groups[i] = np.concatenate([groups[i], groups.pop(j)])
        centres.pop(j)
        centres[i] = features[groups[i]].mean(axis=0)
    return groups


def _lit_lch(lab: np.ndarray) -> tuple[float, float, float]:
    low, high = np.percentile(lab[:, 0], LIT_PERCENTILES)
    lit = lab[(lab[:, 0] >= low) & (lab[:, 0] <= high)]
    L, a, b = np.median(lit if len(lit) >= 3 else lab, axis=0)
    return float(L), float(np.hypot(a, b)), float(np.degrees(np.arctan2(b, a)) % 360)


def dominant_colors(image: Image.Image, mask: np.ndarray | None) -> list[dict]:
    """Up to three {"name", "en", "ko", "hex", "share"}, largest first; a share is of the garment's
    pixels (skin left out), and patches under MIN_SHARE are left out."""
    width, height = image.size
    scale = min(1.0, SAMPLE_SIDE / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Nearest-neighbour keeps real pixel colours: smoothing would blend stripes into a third colour.
    small = image.convert("RGB").resize(size, Image.NEAREST)
    linear = srgb_to_linear(np.asarray(small).reshape(-1, 3))
    inside = np.ones(len(linear), dtype=bool)
    if mask is not None:
        # The same nearest pixels, picked from the mask directly (no full-size copy).
        rows = ((np.arange(size[1]) + 0.5) * mask.shape[0] / size[1]).astype(int)
        columns = ((np.arange(size[0]) + 0.5) * mask.shape[1] / size[0]).astype(int)
        found = np.asarray(mask, dtype=bool)[np.ix_(rows, columns)].reshape(-1)
        if found.sum() >= 50 and found.mean() >= MIN_MASK_FRACTION:
            inside = found
        else:
            middle = np.zeros((size[1], size[0]), dtype=bool)
            middle[size[1] // 4:size[1] - size[1] // 4, size[0] // 4:size[0] - size[0] // 4] = True
            inside = middle.reshape(-1)
    garment = balance(linear, inside)[inside]
    lab = linear_to_lab(garment)
    features = np.hstack([lab[:, :1] * GROUP_LIGHTNESS_WEIGHT,
                          lab[:, 1:] * GROUP_CHROMA_SCALE / np.maximum(lab[:, :1], 25.0)])
    named: dict[str, list] = {}
    skin: list = []
    for group in _groups(features):
        lch = _lit_lch(lab[group])
        if all(low <= value <= high for value, (low, high) in zip(lch, SKIN)):
            skin.append((lch, group))
        else:
            named.setdefault(name_lch(*lch), []).append(group)
    total = len(lab)
    skin_pixels = sum(len(group) for _, group in skin)
    if skin_pixels / total >= SKIN_MAJORITY:
        for lch, group in skin:
            named.setdefault(name_lch(*lch), []).append(group)
    else:
        total -= skin_pixels
    named = {code: np.concatenate(groups) for code, groups in named.items()}
    result = []
    for code, members in sorted(named.items(), key=lambda item: -len(item[1])):
        share = len(members) / total
        if share < MIN_SHARE or len(result) == MAX_COLORS:
            break
        color = COLORS[CODES.index(code)]
        rgb = linear_to_srgb(garment[members].mean(axis=0))
        result.append({
            "name": color.code, "en": color.en, "ko": color.ko,
            "hex": "#%02x%02x%02x" % tuple(int(round(v)) for v in rgb),
            "share": round(share, 3),
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
