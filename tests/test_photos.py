"""The photo stays the user's photo: every format, mode, metadata block and mask kind a user brings, end to end
through `cat_inpaint_remove` and `Inpainter.remove`, each on a file made here."""
import io, json, struct
import numpy as np
import pytest, torch
from PIL import Image, ImageCms, ImageOps, PngImagePlugin
from skimage import data as skdata
from conftest import run, run_here
from cat_inpaint.cli import remove_cli
from test_cli import one_line_error

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

def camera_exif(orientation=1) -> bytes:
    "EXIF as a phone writes it: camera, date (in the Exif IFD), GPS position, orientation."
    e = Image.Exif(); e[0x0112] = orientation; e[0x010F] = "Pixel"; e[0x0110] = "Pixel 9"
    e.get_ifd(0x8769)[0x9003] = "2026:06:01 12:30:00"
    e.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 36.0)})
    return e.tobytes()

def scene(w, h) -> np.ndarray:
    "A photo-like RGB image: a real photo scaled up, with fine grain."
    base = Image.fromarray(skdata.astronaut()).resize((w, h), Image.BICUBIC)
    grain = np.random.default_rng(0).normal(0, 4, (h, w, 3))
    return np.clip(np.asarray(base) + grain, 0, 255).astype(np.uint8)

@pytest.fixture(scope="module")
def inp():
    from cat_inpaint import Inpainter
    return Inpainter.from_pretrained(device="cpu")

def psnr(a, b, keep) -> float:
    d = np.asarray(a, float)[keep] - np.asarray(b, float)[keep]
    return float("inf") if not d.any() else 10 * np.log10(255 ** 2 / (d ** 2).mean())

def outside_blocks(shape, box, grow=2, block=16) -> np.ndarray:
    "Pixels outside every `block`-pixel JPEG block (MCU) that the grown `box` touches."
    x0, y0, x1, y1 = box
    keep = np.ones(shape, bool)
    keep[(y0 - grow) // block * block:-(-(y1 + grow) // block) * block, (x0 - grow) // block * block:-(-(x1 + grow) // block) * block] = False
    return keep

def exif_of(img) -> dict:
    e = img.getexif()
    return {"base": {k: v for k, v in e.items() if k not in (0x8769, 0x8825)}, "exif": dict(e.get_ifd(0x8769)), "gps": dict(e.get_ifd(0x8825))}

def test_phone_jpeg_keeps_quality_and_metadata(tmp_path):
    "A 12-MP quality-92 phone JPEG: the output keeps its tables, size, EXIF, ICC and DPI, and 45 dB or more outside the hole's blocks."
    src = tmp_path / "phone.jpg"
    Image.fromarray(scene(4032, 3024)).save(src, quality=92, exif=camera_exif(), icc_profile=SRGB, dpi=(72, 72))
    box = (2000, 1500, 2240, 1700); out = tmp_path / "clean.jpg"
    p = run_here(remove_cli, src, "--box", ",".join(map(str, box)), "--out", out)
    assert p.returncode == 0, p.stderr
    a, b = Image.open(src), Image.open(out)
    assert b.quantization == a.quantization and b.layer == a.layer  # the photo's own tables and subsampling
    assert 0.95 < out.stat().st_size / src.stat().st_size < 1.05  # not re-encoded at quality 75 (half the size)
    assert psnr(b.convert("RGB"), a.convert("RGB"), outside_blocks((3024, 4032), box)) >= 45
    assert exif_of(b) == exif_of(a) and b.info["icc_profile"] == SRGB and b.info["dpi"] == (72, 72)

def test_sideways_jpeg_comes_back_as_stored(tmp_path, inp):
    "Stored sideways with Orientation 6: the hole is where the user drew it on the upright photo; the JPEG is written back sideways with its tag, as a viewer shows it."
    from cat_inpaint.photos import save_photo
    stored = scene(320, 240); src = tmp_path / "sideways.jpg"
    Image.fromarray(stored).save(src, quality=90, exif=camera_exif(orientation=6))
    upright = np.rot90(np.asarray(Image.open(src)), -1)  # what a viewer shows: 240 wide, 320 tall
    result = inp(src, (60, 100, 120, 160))
    assert result.size == (240, 320)
    save_photo(result, tmp_path / "out.jpg")
    back = Image.open(tmp_path / "out.jpg")
    assert back.size == (320, 240) and back.getexif()[0x0112] == 6 and exif_of(back) == exif_of(Image.open(src))
    diff = np.abs(np.asarray(ImageOps.exif_transpose(back), int) - upright.astype(int)).max(-1) > 24  # JPEG noise aside, what changed
    ys, xs = np.nonzero(diff)
    assert len(ys) and xs.min() >= 60 - 16 and xs.max() < 120 + 16 and ys.min() >= 100 - 16 and ys.max() < 160 + 16  # within the hole's JPEG blocks

@pytest.mark.parametrize("suffix,kw", [(".png", {}), (".tif", {"compression": "raw"}), (".webp", {"lossless": True})])
def test_lossless_formats_stay_exact(tmp_path, inp, suffix, kw):
    "PNG, TIFF and lossless WebP: every pixel outside the grown mask identical; metadata kept; the TIFF's compression kept."
    from cat_inpaint.photos import save_photo
    img = Image.fromarray(scene(300, 200)); src = tmp_path / f"photo{suffix}"
    extra = {"dpi": (300, 300)} if suffix != ".webp" else {}
    if suffix == ".png":
        info = PngImagePlugin.PngInfo(); info.add_text("Title", "a cat"); info.add_itxt("Author", "Zoë", lang="en"); extra["pnginfo"] = info
    img.save(src, exif=camera_exif(), icc_profile=SRGB, **extra, **kw)
    save_photo(inp(src, (100, 60, 160, 120)), tmp_path / f"out{suffix}")
    a, b = Image.open(src), Image.open(tmp_path / f"out{suffix}")
    keep = np.ones((200, 300), bool); keep[58:122, 98:162] = False
    assert np.array_equal(np.asarray(a)[keep], np.asarray(b)[keep])
    assert exif_of(b)["gps"] == exif_of(a)["gps"] and exif_of(b)["exif"] == exif_of(a)["exif"] and b.info["icc_profile"] == SRGB
    if suffix == ".png": assert b.text == {"Title": "a cat", "Author": "Zoë"} and np.allclose(b.info["dpi"], 300, atol=0.01)
    if suffix == ".tif": assert b.info["compression"] == "raw" and b.info["dpi"] == (300, 300)
    if suffix == ".webp": assert b.tobytes()[:0] == b"" and open(tmp_path / "out.webp", "rb").read()[12:16] in (b"VP8L", b"VP8X")

def test_tiff_keeps_its_compression(tmp_path, inp):
    "A deflate TIFF comes back deflated (libtiff's compressed writer takes base EXIF tags, not the Exif and GPS sub-blocks)."
    from cat_inpaint.photos import save_photo
    e = Image.Exif(); e[0x010F] = "Scanner"; src = tmp_path / "scan.tif"
    Image.fromarray(scene(120, 90)).save(src, compression="tiff_adobe_deflate", exif=e.tobytes(), dpi=(600, 600))
    save_photo(inp(src, (10, 10, 40, 40)), tmp_path / "out.tif")
    b = Image.open(tmp_path / "out.tif")
    assert (b.info["compression"], b.info["dpi"], b.getexif()[0x010F]) == ("tiff_adobe_deflate", (600, 600), "Scanner")

def test_lossy_outputs_default_to_high_quality(tmp_path):
    "PNG in, JPEG out: quality 95 with 4:4:4 chroma by default, --quality to choose; lossy WebP in, WebP out: lossy at 95."
    src = tmp_path / "photo.png"; Image.fromarray(scene(400, 300)).save(src)
    for q, name in ((None, "high.jpg"), ("60", "low.jpg")):
        p = run_here(remove_cli, src, "--box", "10,10,60,60", "--out", tmp_path / name, *(["--quality", q] if q else []))
        assert p.returncode == 0, p.stderr
    high, low = Image.open(tmp_path / "high.jpg"), Image.open(tmp_path / "low.jpg")
    keep = outside_blocks((300, 400), (10, 10, 60, 60))
    assert psnr(high, Image.open(src), keep) > max(35, psnr(low, Image.open(src), keep) + 4) and high.layer[0][1:3] == (1, 1)  # 4:4:4
    Image.fromarray(scene(400, 300)).save(tmp_path / "lossy.webp", quality=80)
    p = run_here(remove_cli, tmp_path / "lossy.webp", "--box", "10,10,60,60", "--out", tmp_path / "out.webp")
    assert p.returncode == 0, p.stderr
    assert open(tmp_path / "out.webp", "rb").read()[12:16] != b"VP8L"
    assert psnr(Image.open(tmp_path / "out.webp"), Image.open(tmp_path / "lossy.webp"), keep) > 35

def test_palette_transparency_survives(tmp_path, inp):
    from cat_inpaint.photos import save_photo
    rgba = np.dstack([scene(200, 120), np.full((120, 200), 255, np.uint8)]); rgba[:, :40, 3] = 0  # a transparent strip
    Image.fromarray(rgba).quantize(64).save(tmp_path / "pal.png")
    src = Image.open(tmp_path / "pal.png"); assert src.mode == "P" and "transparency" in src.info
    save_photo(inp(tmp_path / "pal.png", (20, 30, 90, 80)), tmp_path / "out.png")
    a, b = np.asarray(src.convert("RGBA")), np.asarray(Image.open(tmp_path / "out.png").convert("RGBA"))
    assert Image.open(tmp_path / "out.png").mode == "P"
    assert np.array_equal(a[..., 3] == 0, b[..., 3] == 0)  # the same pixels transparent, none turned opaque or back
    keep = np.ones((120, 200), bool); keep[28:82, 18:92] = False
    assert np.array_equal(a[keep], b[keep])

def test_sixteen_bit_grey(tmp_path):
    "16-bit in gives 16-bit out, exact outside the hole; a .jpg output is refused in one line, before the work."
    deep = (np.asarray(Image.fromarray(scene(160, 120)).convert("L"), np.uint16) * 257 + 3); src = tmp_path / "scan.png"
    Image.fromarray(deep).save(src)
    p = run_here(remove_cli, src, "--box", "40,40,90,80", "--out", tmp_path / "out.png")
    assert p.returncode == 0, p.stderr
    out = Image.open(tmp_path / "out.png"); assert out.mode == "I;16"
    keep = np.ones((120, 160), bool); keep[38:82, 38:92] = False
    assert np.array_equal(np.asarray(out)[keep], deep[keep]) and not np.array_equal(np.asarray(out), deep)
    one_line_error(run_here(remove_cli, src, "--box", "40,40,90,80", "--out", tmp_path / "out.jpg"), "cat_inpaint_remove", "write .png or .tif to keep them")
    assert not (tmp_path / "out.jpg").exists()

def test_cmyk(tmp_path):
    "A CMYK JPEG converts to RGB for PNG, and stays CMYK (exact outside the hole's blocks) as JPEG."
    src = tmp_path / "print.jpg"; Image.fromarray(scene(200, 160)).convert("CMYK").save(src, quality=95)
    for name, mode in (("out.png", "RGB"), ("out.jpg", "CMYK")):
        p = run_here(remove_cli, src, "--box", "50,50,100,100", "--out", tmp_path / name)
        assert p.returncode == 0, p.stderr
        assert Image.open(tmp_path / name).mode == mode
    keep = outside_blocks((160, 200), (50, 50, 100, 100))
    assert psnr(Image.open(tmp_path / "out.jpg"), Image.open(src), keep) > 45
    assert psnr(Image.open(tmp_path / "out.png"), Image.open(src).convert("RGB"), keep) > 45

def test_animated_image_is_refused(tmp_path):
    frames = [Image.fromarray(scene(64, 48)), Image.new("RGB", (64, 48), "red")]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    one_line_error(run_here(remove_cli, tmp_path / "anim.gif", "--box", "1,1,9,9", "--out", tmp_path / "o.gif"), "cat_inpaint_remove", "has 2 frames")

@pytest.mark.parametrize("kind", ["alpha_only", "paint_on_transparent_white"])
def test_masks_with_transparency(tmp_path, inp, kind):
    "A mask drawn in the alpha channel alone, and paint on a transparent white layer, remove what a white-on-black mask removes."
    photo = scene(160, 120); hole = np.zeros((120, 160), bool); hole[30:70, 50:110] = True
    m = np.zeros((120, 160, 4), np.uint8)
    if kind == "alpha_only": m[..., 3] = hole * 255
    else: m[..., :3] = 255; m[hole] = (20, 200, 40, 255)
    Image.fromarray(m).save(tmp_path / "mask.png")
    Image.fromarray(hole.astype(np.uint8) * 255).save(tmp_path / "plain.png")
    assert np.array_equal(np.asarray(inp(photo, tmp_path / "mask.png")), np.asarray(inp(photo, tmp_path / "plain.png")))

def test_remove_checks_its_arguments(inp):
    "Arrays of the wrong kind, tensors and bad values get one ValueError naming the argument, a missing file a FileNotFoundError; floats and 16-bit arrays work."
    from cat_inpaint.photos import RemovalError
    photo = scene(80, 60); box = (10, 10, 40, 40)
    assert inp(photo / 255.0, box).mode == "RGB" and inp((photo[..., 0].astype(np.uint16) * 257), box).mode == "I;16"
    m = np.zeros((60, 80), np.float32); m[10:40, 10:40] = 1
    assert np.array_equal(np.asarray(inp(photo, torch.from_numpy(m))), np.asarray(inp(photo, box)))
    for image, mask, text in [(torch.rand(3, 60, 80), box, "image: a torch tensor"), (photo * 2.0, box, "floats from 0 to 510"),
                              (photo.astype(np.int64), box, "int64"), (photo, m * 3, "must lie in [0, 1]"), (photo, m * np.nan, "NaN"),
                              (photo, [1, 2], "four numbers")]:
        with pytest.raises(RemovalError, match=text.replace("[", r"\[").replace("(", r"\(")): inp(image, mask)
    with pytest.raises(FileNotFoundError, match="no such mask"): inp(photo, "not/a/mask.png")  # a file-system fault stays an OSError
    with pytest.raises(ValueError, match="NaN"): inp.inpaint_batch(torch.rand(1, 3, inp.size, inp.size), torch.full((1, 1, inp.size, inp.size), float("nan")))

def test_small_cli_messages(tmp_path):
    photo = tmp_path / "p.png"; Image.fromarray(scene(100, 80)).save(photo)
    one_line_error(run_here(remove_cli, photo, "--box", "-10,-10,50,50", "--out", tmp_path / "o.png"), "cat_inpaint_remove", "box (-10, -10, 50, 50) is not inside the 100x80 image")
    one_line_error(run_here(remove_cli, photo, "--box", "10,10,50,50", "--dilate", "100000", "--out", tmp_path / "o.png"), "cat_inpaint_remove", "grown by 100000 pixels covers the whole image")
    # the output folder is checked before the model loads: a missing folder is reported even with a missing model
    one_line_error(run_here(remove_cli, photo, "--box", "10,10,50,50", "--checkpoint", tmp_path / "nope.pt", "--out", tmp_path / "no" / "o.png"), "cat_inpaint_remove", f"no such folder: {tmp_path / 'no'}")
    one_line_error(run_here(remove_cli, photo, "--box", "10,10,50,50", "--quality", "0", "--out", tmp_path / "o.jpg"), "cat_inpaint_remove", "--quality: must be from 1 to 100")
    assert not list(tmp_path.glob("o.*"))

def test_write_error_names_the_destination(tmp_path, inp):
    from cat_inpaint.photos import save_photo, RemovalError
    (tmp_path / "file").write_text("a file, not a folder")
    with pytest.raises(OSError, match=f"cannot write {tmp_path / 'file' / 'o.png'}"): save_photo(Image.new("RGB", (4, 4)), tmp_path / "file" / "o.png")
