"The removal path stays light, the shipped models keep their pixels, and every shipped model file is complete."
import json, subprocess, sys, textwrap
from pathlib import Path
import torch
from safetensors import safe_open
from safetensors.torch import load_file

HEAVY = ("datasets", "pyarrow", "pandas", "matplotlib", "torchvision", "cat_inpaint.training", "cat_inpaint.data", "ipywidgets")

def test_applications_import_light():
    """Removing an object needs no data pipeline, training loop, plotting or widget library: none of them is imported,
    whether through `from cat_inpaint import Inpainter`, or the console scripts' module. The
    evaluation, which needs the data, still never imports the training loop (nanoGPT's sample.py / train.py split)."""
    code = textwrap.dedent(f"""
        import sys
        import cat_inpaint
        print(",".join(m for m in ("torch", "cat_inpaint.removal") if m in sys.modules))
        from cat_inpaint import Inpainter
        import cat_inpaint.cli, cat_inpaint.pretrained
        print(",".join(m for m in {HEAVY!r} if m in sys.modules))
        import cat_inpaint.evaluation
        print("cat_inpaint.training" in sys.modules)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    bare, heavy, training = p.stdout.split("\n")[:3]
    assert bare == "", f"`import cat_inpaint` imported {bare}"
    assert heavy == "", f"imported by the removal path: {heavy}"
    assert training == "False", "cat_inpaint.evaluation imports the training loop"

def test_shipped_model_pixels_unchanged():
    """`tests/data/shipped-fixed-batch.safetensors` holds two photos, their masks and the shipped 64-px model's fills as
    the library computed them before it was split into modules (commit 7a68633), when it was the default. Loading
    through the stored architecture must give the same pixels."""
    from cat_inpaint import Inpainter
    from cat_inpaint.masks import mask_images
    gold = load_file(Path(__file__).parent / "data" / "shipped-fixed-batch.safetensors")
    out = Inpainter.from_pretrained("cats64", device="cpu").inpaint_batch(mask_images(gold["photos"], gold["masks"]), gold["masks"])
    torch.testing.assert_close(out, gold["filled"], rtol=0, atol=1e-6)  # exact on the machine that wrote it; 1e-6 for other CPUs' kernels

def test_every_shipped_file_is_complete():
    """Every model file in the package records an architecture that builds, an info record (its own name, a resolution,
    the recipe that trained it) and a card that agrees with it, and loads with the weights its architecture needs."""
    from cat_inpaint.pretrained import SHIPPED, WEIGHTS, load_generator
    from cat_inpaint.generator import build_generator, ModelInfo
    from cat_inpaint.masks import eval_masks, mask_images
    files = sorted(WEIGHTS.glob("*.safetensors"))
    assert {f.stem for f in files} == set(SHIPPED), "every file is reachable by name, and every name has a file"
    for f in files:
        with safe_open(str(f), "pt") as fh: meta = fh.metadata()
        info, card = ModelInfo(**json.loads(meta["info"])), json.loads(meta["card"])
        assert info.name == f.stem and isinstance(info.resolution, int) and info.recipe, (f, info)
        assert card["resolution"] == info.resolution and json.loads(f.with_suffix(".json").read_text()) == card, f
        g = load_generator(f.stem)
        assert g.arch == build_generator(**json.loads(meta["arch"])).arch and g.info == info
        s = info.resolution; x = torch.rand(2, 3, s, s); m = eval_masks("object", 2, s)
        with torch.no_grad(): out = g(mask_images(x, m), m)
        assert out.shape == x.shape and torch.isfinite(out).all() and 0 <= out.min() and out.max() <= 1
