"""Golden outputs of large-photo removal: a synthetic 1.6-MP photo through `Inpainter.remove` with the detail stage on
(seam-aware, and as it was before: `seamless=False`), off, with `adapt_steps=2`, and on the same photo saved as a
JPEG (whose block edges the fill must not exceed). The expected pixels (the hole's
box only) are in tests/data/golden; a refactor that changes them fails here. `CAT_INPAINT_GOLDEN=write pytest
tests/test_golden.py` writes them anew, for a change that means to alter the output (say why in its commit)."""
import io, json, os
from pathlib import Path
import cv2, numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

GOLDEN = Path(__file__).parent / "data" / "golden"
# `cells`: the detail stage before seam-aware copying (issue 32), whose output is the old `detail` golden, unchanged
CASES = {"detail": {}, "cells": {"seamless": False}, "no_detail": {"photo_detail": False}, "adapt2": {"adapt_steps": 2},
         "jpeg": {}}
JPEG_QUALITY = {"jpeg": 60} # cases whose photo is first saved as a JPEG of this quality

def photo_and_hole(quality:int|None=None) -> tuple:
    """A 1600x1000 photo (a real one, enlarged, with a fine texture added; as a JPEG of `quality` if given) and a
    300x240 round-cornered hole in it."""
    base = np.asarray(Image.fromarray(skdata.astronaut()).resize((1600, 1000), Image.Resampling.BICUBIC)).astype(np.float32)
    y, x = np.mgrid[0:1000, 0:1600]
    grain = 6 * np.sin(x / 3.1) * np.cos(y / 4.7)  # detail finer than the network's scale: the detail stage's work
    photo = np.clip(base + grain[..., None], 0, 255).astype(np.uint8)
    hole = np.zeros((1000, 1600), np.uint8); cv2.rectangle(hole, (900, 300), (1200, 540), 1, -1)
    if quality:
        buf = io.BytesIO(); Image.fromarray(photo).save(buf, "JPEG", quality=quality); photo = np.asarray(Image.open(buf))
    return photo, hole

def machine() -> str:
    "What decides the arithmetic: PyTorch's CPU kernels (AVX2, AVX512, ...) and its version."
    import torch
    return f"{torch.backends.cpu.get_cpu_capability()} torch {torch.__version__.split('+')[0]}"

def psnr(a, b) -> float:
    d = ((a.astype(float) - b.astype(float)) ** 2).mean()
    return float("inf") if d == 0 else 10 * np.log10(255 ** 2 / d)

@pytest.fixture
def one_thread():
    "One thread: the detail stage's nearest-patch search picks among near ties, and another split of a sum can tip one."
    import torch
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

@pytest.mark.parametrize("case", list(CASES))
def test_large_photo_removal_is_unchanged(case, one_thread):
    from cat_inpaint import Inpainter
    from cat_inpaint.photos import mask_box, grow_mask
    photo, hole = photo_and_hole(JPEG_QUALITY.get(case))
    out = np.asarray(Inpainter.from_pretrained(device="cpu", **CASES[case])(photo, hole))
    ys, xs = mask_box(grow_mask(hole > 0, 8))
    outside = np.ones(hole.shape, bool); outside[ys, xs] = False
    assert np.array_equal(out[outside], photo[outside])  # the rest of the photo, exactly
    got, path, made_on = out[ys, xs], GOLDEN / f"{case}.png", GOLDEN / "machine.json"
    if os.environ.get("CAT_INPAINT_GOLDEN") == "write":
        path.parent.mkdir(parents=True, exist_ok=True); Image.fromarray(got).save(path); made_on.write_text(json.dumps(machine()) + "\n")
    want = np.asarray(Image.open(path))
    if json.loads(made_on.read_text()) == machine(): assert np.array_equal(got, want), (case, psnr(got, want))  # the same arithmetic: the same bytes
    else: assert psnr(got, want) > 25, (case, psnr(got, want))  # other CPU kernels round otherwise and may tip a near tie; a broken stage scores far lower
