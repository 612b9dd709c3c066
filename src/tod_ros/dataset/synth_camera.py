"""Camera effects for synthetic photos: vignetting, exposure, white balance, blur, noise, JPEG.

The Ergo Jr webcam gives soft, noisy, JPEG-compressed frames; some reference photos are
grey-scale. Each effect is drawn at random per image from ranges in SynthConfig. The
pipeline works on uint8 after the vignetting (LUTs, uint8 blur) to stay fast.
"""
import functools

import cv2
import numpy as np


MAX_HIGHLIGHT = 300.0   # grey level the scene's highlights may reach before clipping at 255


def jpeg_roundtrip(img, quality):
    """``img`` after JPEG compression at ``quality`` (unchanged when quality is None)."""
    if quality is None:
        return img
    _, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def camera_defects(rng, canvas, cfg):
    """Everything but the JPEG step: ``(uint8 BGR image, JPEG quality to apply or None)``.

    The writer of .jpg files saves at that quality directly (one encode instead of two).
    """
    img = cv2.convertScaleAbs(cv2.multiply(canvas, _channel_gains(rng, cfg, _highlight(canvas))))
    if rng.random() < cfg.p_vignette:
        img = _vignette(rng, img)
    gamma = rng.uniform(*cfg.gamma)
    img = cv2.LUT(img, np.round((np.arange(256) / 255.0) ** gamma * 255).astype(np.uint8))
    img = _blur(rng, img, cfg)
    img = _noise(rng, img, cfg)
    if rng.random() < cfg.p_grayscale:
        img = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    quality = None
    if rng.random() < cfg.p_jpeg:
        quality = int(rng.integers(cfg.jpeg_quality[0], cfg.jpeg_quality[1] + 1))
    return img, quality


def _highlight(canvas):
    """The scene's bright end (99th percentile of a sparse sample), what a camera exposes for."""
    return max(1.0, float(np.percentile(canvas[::8, ::8], 99)))


def _channel_gains(rng, cfg, highlight=255.0):
    """Exposure gain x white balance, as a 4-tuple for cv2.multiply (B, G, R, unused).

    The gain never pushes the scene's highlights far past white (an auto-exposing camera clips a
    little, it does not wash a white cube on a light table out to a blank square).
    """
    gain = min(rng.uniform(*cfg.gain), max(cfg.gain[0], MAX_HIGHLIGHT / highlight))
    warm = rng.uniform(-cfg.white_balance, cfg.white_balance)        # blue <-> orange axis
    tint = rng.uniform(-cfg.white_balance, cfg.white_balance) / 3    # green <-> magenta axis
    return (gain * (1 - warm), gain * (1 + tint), gain * (1 + warm), 0.0)


def _vignette(rng, img):
    h, w = img.shape[:2]
    cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
    y, x = np.ogrid[:h // 8 + 1, :w // 8 + 1]
    r2 = (x / (w / 8) - cx) ** 2 + (y / (h / 8) - cy) ** 2
    v = np.clip(1 - rng.uniform(0.2, 0.7) * r2 * 2, 0.2, 1).astype(np.float32)
    v = cv2.convertScaleAbs(cv2.resize(v, (w, h), interpolation=cv2.INTER_LINEAR), alpha=255)
    return cv2.multiply(img, cv2.merge([v, v, v]), scale=1 / 255)


def _blur(rng, img, cfg):
    sigma = rng.uniform(0, cfg.max_blur)
    if rng.random() < cfg.p_motion_blur:
        k = int(rng.integers(3, 8))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (k, k))
        img = cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    return img


@functools.lru_cache(maxsize=4)
def _noise_bank(h, w):
    """A fixed bank of unit Gaussian noise, slightly blotchy (webcam noise after demosaicing)
    and mostly luminance, stored as uint8 = 128 + 16 * noise; shape (h, w, 3)."""
    n = np.random.default_rng(20240607).standard_normal((h, w, 3), dtype=np.float32)
    n[:, :, 1:] = n[:, :, :1] * 0.7 + n[:, :, 1:] * 0.3
    n = cv2.GaussianBlur(n, (0, 0), 0.7)
    n /= n.std()
    return np.clip(np.round(128 + 16 * n), 0, 255).astype(np.uint8)


def _noise(rng, img, cfg):
    """Sensor noise: a random window of the noise bank, added with a random strength."""
    sigma = rng.uniform(*cfg.noise)
    if sigma < 0.3:
        return img
    h, w = img.shape[:2]
    bank = _noise_bank(h + 64, w + 64)
    y0, x0 = (int(v) for v in rng.integers(0, 64, 2))
    win = bank[y0:y0 + h, x0:x0 + w]
    a = sigma / 16.0
    return cv2.addWeighted(img, 1.0, np.ascontiguousarray(win), a, -128 * a)
