"`cat_inpaint_remove` end to end on a 1024x768 photo, and every bad input."
import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata
from conftest import run, run_here
from cat_inpaint.cli import remove_cli
from test_cli import one_line_error

@pytest.fixture
def photo(tmp_path):
    p = tmp_path / "photo.jpg"
    Image.fromarray(skdata.chelsea()).resize((1024, 768), Image.BICUBIC).save(p, quality=95)
    return p

def test_remove_box(photo, tmp_path):
    out = tmp_path / "out.png"
    p = run("cat_inpaint_remove", photo, "--box", "400,300,520,420", "--out", out)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"wrote {out}"
    src, res = np.asarray(Image.open(photo)), np.asarray(Image.open(out))
    assert res.shape == src.shape
    changed = np.argwhere((src != res).any(-1))
    assert changed.size and changed.min(0).tolist() >= [300 - 3, 400 - 3] and changed.max(0).tolist() <= [420 + 2, 520 + 2]

def test_remove_mask_poisson_and_python_agree(photo, tmp_path):
    from cat_inpaint import Inpainter
    m = np.zeros((768, 1024), np.uint8); m[100:160, 700:800] = 255; Image.fromarray(m).save(tmp_path / "m.png")
    out = tmp_path / "out.png"
    p = run_here(remove_cli, photo, "--mask", tmp_path / "m.png", "--out", out, "--blend", "poisson")
    assert p.returncode == 0, p.stderr
    expected = Inpainter.from_pretrained(device="cpu")(photo, tmp_path / "m.png", blend="poisson")
    assert np.array_equal(np.asarray(Image.open(out)), np.asarray(expected))

def test_refuses_to_overwrite_input(photo):
    before = photo.read_bytes()
    one_line_error(run_here(remove_cli, photo, "--box", "1,1,50,50", "--out", photo), "cat_inpaint_remove", "refusing to overwrite")
    assert photo.read_bytes() == before

def test_empty_mask_warns_and_copies(photo, tmp_path):
    Image.new("L", (1024, 768)).save(tmp_path / "empty.png")
    out = tmp_path / "out.png"
    p = run_here(remove_cli, photo, "--mask", tmp_path / "empty.png", "--out", out)
    assert p.returncode == 0 and "warning" in p.stderr and "empty" in p.stderr
    assert np.array_equal(np.asarray(Image.open(out)), np.asarray(Image.open(photo)))

def _bad_inputs(photo, tmp):
    (tmp / "notes.txt").write_text("not an image")
    (tmp / "cut.jpg").write_bytes(photo.read_bytes()[:len(photo.read_bytes()) // 2])
    Image.new("L", (100, 80), 255).save(tmp / "small.png")
    Image.new("L", (1024, 768), 255).save(tmp / "full.png")
    return [
        ([tmp / "missing.jpg", "--box", "1,1,5,5"], "no such image"),
        ([tmp / "notes.txt", "--box", "1,1,5,5"], "not an image"),
        ([tmp / "cut.jpg", "--box", "1,1,5,5"], "truncated or corrupt"),
        ([photo, "--mask", tmp / "small.png"], "the mask is 100x80 but the image is 1024x768"),
        ([photo, "--mask", tmp / "full.png"], "covers the whole image"),
        ([photo, "--box", "900,700,1100,800"], "not inside"),
        ([photo, "--box", "1,2,3"], "four integers"),
        ([photo], "exactly one of --mask or --box"),
    ]

def test_bad_inputs(photo, tmp_path):
    for args, text in _bad_inputs(photo, tmp_path):
        one_line_error(run_here(remove_cli, *args, "--out", tmp_path / "o.png"), "cat_inpaint_remove", text)
        assert not (tmp_path / "o.png").exists()

def test_python_api_errors(photo, tmp_path):
    from cat_inpaint import Inpainter, RemovalError
    inp = Inpainter.from_pretrained(device="cpu")
    for args, text in _bad_inputs(photo, tmp_path)[:6]:
        with pytest.raises((RemovalError, FileNotFoundError), match=text.split(" but")[0]):  # a missing file stays an OSError
            inp(args[0], args[2] if args[1] == "--mask" else tuple(int(v) for v in args[2].split(",")))

def test_folder_of_photos(photo, tmp_path):
    "A folder with its masks: good photos written, a bad one and one without a mask reported and skipped, exit status 1."
    photos, masks, out = tmp_path / "photos", tmp_path / "masks", tmp_path / "clean"
    photos.mkdir(); masks.mkdir()
    img = Image.open(photo).resize((320, 240)); img.save(photos / "a.jpg"); img.save(photos / "b.png")
    (photos / "c.jpg").write_bytes(photo.read_bytes()[:2000]); img.save(photos / "d.png"); (photos / "notes.txt").write_text("skip me")
    m = np.zeros((240, 320), np.uint8); m[100:140, 150:200] = 255
    for n in ("a", "b", "c"): Image.fromarray(m).save(masks / f"{n}.png")
    p = run_here(remove_cli, photos, "--mask-dir", masks, "--out", out)
    assert p.returncode == 1, p.stderr
    assert sorted(f.name for f in out.iterdir()) == ["a.jpg", "b.png"]
    assert "skipped c.jpg" in p.stderr and "skipped d.png: no mask" in p.stderr and "2 of 4 photos" in p.stderr
    src, res = np.asarray(img), np.asarray(Image.open(out / "b.png"))
    keep = np.ones((240, 320), bool); keep[97:143, 147:203] = False
    assert np.array_equal(src[keep], res[keep]) and not np.array_equal(src, res)
    one_line_error(run_here(remove_cli, photos, "--box", "1,1,9,9", "--out", photos), "cat_inpaint_remove", "new folder")
    one_line_error(run_here(remove_cli, photos, "--mask", masks / "a.png", "--out", out), "cat_inpaint_remove", "--mask-dir or --box")

def test_adapt_steps(photo, tmp_path):
    "`--adapt-steps` trains a copy of the network on the photo first: the same pixels as the Python API, a different fill from the network alone, the photo kept outside the hole."
    from cat_inpaint import Inpainter
    out = tmp_path / "out.png"
    p = run_here(remove_cli, photo, "--box", "400,300,640,540", "--adapt-steps", "3", "--out", out)
    assert p.returncode == 0, p.stderr
    res = np.asarray(Image.open(out))
    adapted = np.asarray(Inpainter.from_pretrained(device="cpu", adapt_steps=3)(photo, (400, 300, 640, 540)))
    alone = np.asarray(Inpainter.from_pretrained(device="cpu")(photo, (400, 300, 640, 540)))
    assert np.array_equal(res, adapted) and not np.array_equal(adapted, alone)
    outside = np.ones(res.shape[:2], bool); outside[300 - 3:540 + 3, 400 - 3:640 + 3] = False
    assert np.array_equal(res[outside], alone[outside])
    one_line_error(run_here(remove_cli, photo, "--box", "1,1,9,9", "--adapt-steps", "-1", "--out", tmp_path / "o.png"), "cat_inpaint_remove", "--adapt-steps")
