"""The hostile cases: inputs and faults a careful but unkind user tries. Each builds its own files; each asserts that
nothing the user gave is lost or degraded, and that a refusal is one line, names what is wrong and exits non-zero."""
import io, os, subprocess, sys
import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata
from conftest import run_here
from cat_inpaint.cli import remove_cli
from test_cli import one_line_error

def chelsea(w=320, h=240) -> Image.Image: return Image.fromarray(skdata.chelsea()).resize((w, h), Image.BICUBIC)

def _dead_pid() -> int:
    "The pid of a process that has ended."
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)

def test_folder_never_replaces_files_already_there(tmp_path):
    "An existing --out is fine, but a same-named file in it is kept: one line names it, nothing is written; --overwrite replaces it."
    src, out = tmp_path / "in", tmp_path / "out"; src.mkdir(); out.mkdir()
    chelsea().save(src / "IMG_1.jpg"); chelsea().save(src / "IMG_2.jpg")
    keep = chelsea(300, 200).transpose(Image.FLIP_LEFT_RIGHT); keep.save(out / "IMG_1.jpg"); before = (out / "IMG_1.jpg").read_bytes()
    one_line_error(run_here(remove_cli, src, "--box", "10,10,50,50", "--out", out), "cat_inpaint_remove", "already holds 'IMG_1.jpg'")
    assert (out / "IMG_1.jpg").read_bytes() == before and sorted(p.name for p in out.iterdir()) == ["IMG_1.jpg"]
    p = run_here(remove_cli, src, "--box", "10,10,50,50", "--out", out, "--overwrite")
    assert p.returncode == 0, p.stderr
    assert Image.open(out / "IMG_1.jpg").size == (320, 240) and (out / "IMG_2.jpg").is_file()

def test_a_killed_run_leaves_no_litter(tmp_path):
    "Half-written files of a run that was killed are removed by the next run into that folder; a live writer's are not."
    src, out = tmp_path / "in", tmp_path / "out"; src.mkdir(); out.mkdir()
    chelsea().save(src / "a.png")
    dead = _dead_pid()
    (out / f".a.png.tmp{dead}").write_bytes(b"half a photo"); (out / f".b.png.tmp{os.getpid()}").write_bytes(b"being written")
    p = run_here(remove_cli, src, "--box", "10,10,50,50", "--out", out)
    assert p.returncode == 0, p.stderr
    assert sorted(p.name for p in out.iterdir()) == [f".b.png.tmp{os.getpid()}", "a.png"]
    (tmp_path / f".single.png.tmp{dead}").write_bytes(b"half")
    assert run_here(remove_cli, src / "a.png", "--box", "10,10,50,50", "--out", tmp_path / "single.png").returncode == 0
    assert not (tmp_path / f".single.png.tmp{dead}").exists()

@pytest.fixture(scope="module")
def inp():
    from cat_inpaint import Inpainter
    return Inpainter.from_pretrained(device="cpu")

def texture(w, h, seed=0) -> np.ndarray:
    "A busy photo-like texture: the hardest case for a JPEG re-encode."
    import cv2
    return cv2.GaussianBlur(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8), (0, 0), 2)

XMP6 = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>'

def test_png_turned_by_xmp_stays_upright_pass_after_pass(tmp_path):
    "A PNG whose Orientation is only in its XMP: x -> y -> z keeps the upright size, and the XMP written says 1."
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo(); info.add_itxt("XML:com.adobe.xmp", XMP6)
    Image.fromarray(texture(600, 400)).save(tmp_path / "x.png", pnginfo=info)
    sizes = []
    for a, b in (("x", "y"), ("y", "z")):
        assert run_here(remove_cli, tmp_path / f"{a}.png", "--box", "10,10,40,40", "--out", tmp_path / f"{b}.png").returncode == 0
        out = Image.open(tmp_path / f"{b}.png"); sizes.append(out.size)
        assert 'tiff:Orientation="1"' in out.text["XML:com.adobe.xmp"] and out.getexif().get(0x0112, 1) == 1
    assert sizes == [(400, 600), (400, 600)]

@pytest.mark.parametrize("w,h,orientation", [(1678, 1046, 6), (1001, 757, 8), (803, 603, 3)])
def test_turned_jpeg_is_not_recompressed(tmp_path, w, h, orientation):
    "A turned JPEG with sides that are not multiples of 8: every block away from the hole decodes as before (>= 45 dB), Orientation kept."
    src, out = tmp_path / "turned.jpg", tmp_path / "out.jpg"
    e = Image.Exif(); e[0x0112] = orientation
    Image.fromarray(texture(w, h)).save(src, quality=92, exif=e.tobytes())
    assert run_here(remove_cli, src, "--box", "100,100,180,160", "--out", out).returncode == 0
    a, b = Image.open(src), Image.open(out)
    assert b.size == a.size and b.getexif()[0x0112] == orientation and b.quantization == a.quantization
    changed = np.ones(a.size[::-1], bool)
    from PIL import ImageOps
    hole = np.zeros(ImageOps.exif_transpose(a).size[::-1], np.uint8); hole[100 - 20:160 + 20, 100 - 20:180 + 20] = 255  # the hole's blocks, generously
    keep = np.asarray(Image.fromarray(hole).transpose({6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270, 3: Image.Transpose.ROTATE_180}[orientation])) == 0
    d = np.asarray(a, float)[keep] - np.asarray(b, float)[keep]
    assert 10 * np.log10(255 ** 2 / max((d ** 2).mean(), 1e-12)) >= 45

def test_bad_model_files_are_refused(tmp_path):
    "NaN weights, and metadata claiming an absurd architecture: one line naming the file, before any large allocation."
    import json, torch
    from safetensors.torch import save_file
    from cat_inpaint.generator import build_generator
    g = build_generator("unet", prefill="biharmonic"); chelsea().save(tmp_path / "p.png")
    state = {k: v.contiguous() for k, v in g.state_dict().items()}
    save_file({k: torch.full_like(v, float("nan")) if v.is_floating_point() else v for k, v in state.items()}, tmp_path / "nan.safetensors", metadata={"arch": json.dumps(g.arch)})
    save_file(state, tmp_path / "huge.safetensors", metadata={"arch": json.dumps({"kind": "unet", "width": 20000})})
    for f, text in (("nan", "NaN or infinite weights"), ("huge", "parameters, more than any cat-inpaint generator")):
        p = run_here(remove_cli, tmp_path / "p.png", "--box", "10,10,50,50", "--checkpoint", tmp_path / f"{f}.safetensors", "--out", tmp_path / "o.png")
        one_line_error(p, "cat_inpaint_remove", text); assert str(tmp_path / f"{f}.safetensors") in p.stderr and len(p.stderr) < 300
    assert not (tmp_path / "o.png").exists()

def test_float_tiff_in_minus_one_to_one(tmp_path, inp):
    "A float TIFF with values in [-1, 1]: the fill lies in the photo's own range, near what surrounds it."
    y, x = np.mgrid[0:120, 0:160]
    a = (0.6 * np.sin(x / 9.0) * np.cos(y / 13.0) - 0.3).astype(np.float32)  # -0.9 .. 0.3, mean about -0.3
    Image.fromarray(a, mode="F").save(tmp_path / "f.tif")
    out = np.asarray(inp(tmp_path / "f.tif", (60, 40, 100, 80)))
    assert out.dtype == np.float32
    keep = np.ones(a.shape, bool); keep[37:83, 57:103] = False
    assert np.array_equal(out[keep], a[keep])
    ring = np.zeros(a.shape, bool); ring[30:90, 50:110] = True; ring[37:83, 57:103] = False
    assert abs(out[40:80, 60:100].mean() - a[ring].mean()) < 0.15 and out[40:80, 60:100].min() < 0

def test_avif_takes_its_quality(tmp_path):
    "AVIF is lossy: it takes --quality (no warning that it is lossless), and a lower quality makes a smaller file."
    from PIL import features
    if not features.check("avif"): pytest.skip("this Pillow has no AVIF")
    Image.fromarray(texture(320, 240)).save(tmp_path / "p.avif", quality=90)
    sizes = {}
    for q in ("30", "90"):
        p = run_here(remove_cli, tmp_path / "p.avif", "--box", "10,10,50,50", "--quality", q, "--out", tmp_path / f"q{q}.avif")
        assert p.returncode == 0 and "warning" not in p.stderr, p.stderr
        sizes[q] = (tmp_path / f"q{q}.avif").stat().st_size
    assert sizes["30"] < 0.7 * sizes["90"]

def test_ico_would_shrink_the_photo(tmp_path):
    chelsea(800, 500).save(tmp_path / "p.png")
    one_line_error(run_here(remove_cli, tmp_path / "p.png", "--box", "10,10,50,50", "--out", tmp_path / "a.ico"), "cat_inpaint_remove", "up to 256x256 pixels")
    assert not (tmp_path / "a.ico").exists()

def test_foreign_training_cache_is_refused(tmp_path, toy):
    "A cache file holding another program's tensor, or photos of another size: one line naming it, nothing trained."
    import torch
    from safetensors.torch import save_file
    from cat_inpaint.cli import train_cli
    cache = tmp_path / "cache"
    assert run_here(train_cli, "--data", toy, "--recipe", "seed", "--max-steps", 1, "--batch-size", 4, "--out", tmp_path / "r0", "--cache-dir", cache).returncode == 0
    f = next(cache.glob("cats-train-64-*.safetensors"))
    from cat_inpaint.data import _MEMORY
    for foreign in (torch.rand(50, 3, 64, 64), torch.zeros(50, 3, 16, 16, dtype=torch.uint8)):
        save_file({"images": foreign}, f); _MEMORY.clear()  # as a new process finds it
        p = run_here(train_cli, "--data", toy, "--recipe", "seed", "--max-steps", 1, "--batch-size", 4, "--out", tmp_path / "r1", "--cache-dir", cache)
        one_line_error(p, "cat_inpaint_train", f"cache {f} holds")
        assert not (tmp_path / "r1" / "checkpoint.pt").exists()

def test_huge_non_image_is_refused_without_reading_it(tmp_path):
    "A 3-GB file of zeros named .jpg: refused as not an image, in a process that never grows past a few hundred MB."
    big = tmp_path / "big.jpg"
    with open(big, "wb") as f: f.truncate(3 * 2 ** 30)  # sparse: no disk used
    code = ("from cat_inpaint.photos import open_image, RemovalError\n"
            f"try: open_image({str(big)!r})\nexcept RemovalError as e: print(e)\n"
            "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")  # this program's own peak (ru_maxrss keeps the forking parent's)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300).stdout.splitlines()
    assert "is not an image file" in out[0] and int(out[1]) < 1_000_000, out  # KiB: under 1 GB, torch included

def test_heic_is_named(tmp_path):
    "An iPhone's HEIC is named as such, with what to do about it."
    (tmp_path / "IMG_0001.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(4000))
    try: import pillow_heif  # noqa: F401
    except ImportError: pass
    else: pytest.skip("pillow-heif is installed: HEIC is read")
    one_line_error(run_here(remove_cli, tmp_path / "IMG_0001.HEIC", "--box", "1,1,5,5", "--out", tmp_path / "o.jpg"), "cat_inpaint_remove", "HEIC/HEIF photo")

def test_api_errors_name_the_argument(inp):
    "The Python API: a box that is not finite, a mask given as nested lists, and an echo that stays short."
    from cat_inpaint import RemovalError
    img = chelsea(64, 48)
    for box in ((0, 0, float("inf"), 10), (float("nan"), 0, 10, 10)):
        with pytest.raises(RemovalError, match="must be finite"): inp(img, box)
    m = np.zeros((48, 64), int); m[10:20, 10:30] = 1
    assert np.array_equal(np.asarray(inp(img, m.tolist())), np.asarray(inp(img, m)))
    with pytest.raises(RemovalError) as e: inp(img, list(range(5000)))
    assert len(str(e.value)) < 300

def test_jpeg_to_png_keeps_xmp_and_comment_and_png_keeps_itxt_language(tmp_path, inp):
    from PIL import PngImagePlugin
    from cat_inpaint.photos import save_photo
    xmp = XMP6.replace('"6"', '"1"').encode()
    chelsea().save(tmp_path / "a.jpg", quality=90, xmp=xmp, comment=b"shot on a Tuesday")
    save_photo(inp(tmp_path / "a.jpg", (10, 10, 40, 40)), tmp_path / "a.png")
    b = Image.open(tmp_path / "a.png")
    assert b.text["XML:com.adobe.xmp"] == xmp.decode() and b.text["Comment"] == "shot on a Tuesday"
    info = PngImagePlugin.PngInfo(); info.add_itxt("Title", "Katze", lang="de", tkey="Titel")
    chelsea().save(tmp_path / "t.png", pnginfo=info)
    save_photo(inp(tmp_path / "t.png", (10, 10, 40, 40)), tmp_path / "t2.png")
    t = Image.open(tmp_path / "t2.png"); t.load()
    assert (t.text["Title"], t.text["Title"].lang, t.text["Title"].tkey) == ("Katze", "de", "Titel")
    chelsea().save(tmp_path / "c.jpg", quality=90, comment=b"kept")
    save_photo(inp(tmp_path / "c.jpg", (10, 10, 40, 40)), tmp_path / "c2.jpg")
    assert Image.open(tmp_path / "c2.jpg").info["comment"] == b"kept"

def test_resume_clears_a_killed_save(tmp_path, toy):
    "A training run killed while saving leaves `.checkpoint.pt.tmpPID`; --resume removes it, and records the precision it trained in."
    import json
    from cat_inpaint.cli import train_cli
    from cat_inpaint.checkpoint import load_checkpoint
    out, args = tmp_path / "run", ["--data", toy, "--recipe", "seed", "--batch-size", 4, "--cache-dir", ""]
    p = run_here(train_cli, *args, "--max-steps", 1, "--out", out, "--precision", "fp32")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout.splitlines()[-1])["precision"] == "fp32"
    (out / f".checkpoint.pt.tmp{_dead_pid()}").write_bytes(bytes(1000))
    p = run_here(train_cli, *args, "--max-steps", 2, "--out", out, "--resume", out / "checkpoint.pt", "--precision", "bf16")
    assert p.returncode == 0, p.stderr
    assert sorted(f.name for f in out.iterdir() if f.name.startswith(".")) == []
    assert load_checkpoint(out / "checkpoint.pt")["history"]["precision"] == "bf16"
    one_line_error(run_here(train_cli, *args, "--max-steps", 1, "--out", tmp_path / "r2", "--precision", "fp8"), "cat_inpaint_train", "--precision")
