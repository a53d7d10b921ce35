"""The console scripts end to end on tiny data, and their answers to bad input. Each script runs once as a real
process (its entry point); the rest run in this process, through the same `Script` objects."""
import json, re, shlex
import numpy as np
import pytest
from PIL import Image
from conftest import run, run_here
from cat_inpaint.checkpoint import load_checkpoint
from cat_inpaint.cli import train_cli, eval_cli, remove_cli, bench_cli

def one_line_error(p, prog, text):
    "Exit status 2, no traceback, one line on stderr naming `prog` and containing `text`."
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert "Traceback" not in p.stderr and len(lines) == 1, p.stderr
    assert lines[0].startswith(f"{prog}: error:") and text in lines[0], lines[0]

def test_train_resume_eval(toy, tmp_path):
    "Train as a real process (the entry point), resume in this one, evaluate as a real process."
    out = tmp_path / "run"
    p = run("cat_inpaint_train", "--data", toy, "--recipe", "seed", "--max-steps", 2, "--batch-size", 4, "--out", out, "--cache-dir", tmp_path / "cache")
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout.strip().splitlines()[-1])
    assert summary["steps"] == 2 and summary["recipe"] == "seed"
    assert load_checkpoint(out / "checkpoint.pt")["step"] == 2
    p = run_here(train_cli, "--data", toy, "--recipe", "seed", "--max-steps", 4, "--batch-size", 4, "--out", out, "--resume", out / "checkpoint.pt")
    assert p.returncode == 0, p.stderr
    ck = load_checkpoint(out / "checkpoint.pt")
    assert ck["step"] == 4 and len(ck["history"]["d"]) == 4
    p = run("cat_inpaint_eval", "--checkpoint", out / "checkpoint.pt", "--data", toy, "--split", "test", "--limit", 6)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout.strip().splitlines()[-1])
    methods = {(r["method"], r["masks"]) for r in res["results"]}
    assert {("biharmonic", "centre"), ("telea", "free_form"), ("navier_stokes", "centre")} <= methods
    assert any(m.startswith("seed") for m, _ in methods)
    assert all(np.isfinite(r["hole_psnr"]) and 0 < r["ssim"] <= 1 for r in res["results"])
    assert "| method |" in p.stderr

def test_a_run_you_can_watch(toy, tmp_path):
    "20 steps: a bar with its total and an ETA, one evaluation line naming the checkpoint and the grid, and the grid as a PNG."
    out = tmp_path / "run"
    p = run_here(train_cli, "--data", toy, "--max-steps", 20, "--batch-size", 8, "--eval-every", 100, "--out", out, "--cache-dir", "")
    assert p.returncode == 0, p.stderr
    err = p.stderr.replace("\r", "\n")
    assert re.search(r" \d+/20 \[[0-9:]+<[0-9:]+", err), err[-2000:]  # done/total [elapsed<remaining]
    evals = [l for l in err.splitlines() if l.startswith("step ")]
    grid = out / "samples" / "step-000020.png"
    assert len(evals) == 1 and evals[0].startswith("step 20 | ") and "validation hole PSNR" in evals[0], evals
    assert str(out / "checkpoint.pt") in evals[0] and str(grid) in evals[0]
    w, h = Image.open(grid).size; assert w > 0 and h > 0
    assert json.loads(p.stdout.strip().splitlines()[-1])["recipe"] == "default"  # the default recipe by default

def test_train_refuses_to_clobber(toy, tmp_path):
    out = tmp_path / "run"; out.mkdir(); (out / "checkpoint.pt").write_bytes(b"precious")
    one_line_error(run_here(train_cli, "--data", toy, "--recipe", "seed", "--max-steps", 1, "--out", out), "cat_inpaint_train", "exists")
    assert (out / "checkpoint.pt").read_bytes() == b"precious"

@pytest.mark.parametrize("args,text", [
    (["--data", "missing.parquet"], "no such file"),
    (["--data", "cat-inpaint/no-such-dataset"], "parquet"),  # offline or unknown: the same one sentence
    (["--recipe", "best"], "argument --recipe: invalid choice: 'best'"),
    (["--max-steps", "-5"], "argument --max-steps: must be at least 1, got -5"),
    (["--batch-size", "0"], "argument --batch-size: must be at least 1, got 0"),
    (["--minutes", "0"], "argument --minutes: must be greater than 0"),
    (["--device", "gpu"], "argument --device: must be one of cpu"),
    (["--epochs", "two"], "argument --epochs: expected int, got 'two'"),
])
def test_train_bad_input(tmp_path, monkeypatch, args, text):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    one_line_error(run_here(train_cli, "--max-steps", 1, *args, "--out", tmp_path / "o"), "cat_inpaint_train", text)
    assert not (tmp_path / "o").exists()

def test_train_bad_data(tmp_path):
    (tmp_path / "empty").mkdir(); (tmp_path / "empty" / "notes.txt").write_text("no photos")
    one_line_error(run_here(train_cli, "--data", tmp_path / "empty", "--max-steps", 1, "--out", tmp_path / "o"), "cat_inpaint_train", "holds no images")
    (tmp_path / "broken.parquet").write_text("not a parquet file")
    one_line_error(run_here(train_cli, "--data", tmp_path / "broken.parquet", "--max-steps", 1, "--out", tmp_path / "o"), "cat_inpaint_train", "could not be read")

def test_train_data_errors_name_the_problem(toy, tmp_path):
    "Data that cannot train says what is wrong with it, in one line: no image column, too few photos, no rows, a damaged cache, a resume that changes the run."
    import datasets
    from cat_inpaint.data import write_toy_photos
    datasets.Dataset.from_dict({"picture": [b"x"], "labels": [0]}).to_parquet(str(tmp_path / "noimg.parquet"))
    (tmp_path / "three").mkdir()
    for i in range(3): Image.new("RGB", (16, 16), (60 * i, 0, 0)).save(tmp_path / "three" / f"{i}.png")
    write_toy_photos(tmp_path / "empty.parquet", n_cats=0, n_dogs=0)
    for data, text in ((tmp_path / "noimg.parquet", "has no 'image' column (its columns: picture, labels)"),
                       (tmp_path / "three", "holds 3 cat photo(s): too few for the 80/10/10 split, which needs at least 10"),
                       (tmp_path / "empty.parquet", "holds no rows")):
        one_line_error(run_here(train_cli, "--data", data, "--max-steps", 1, "--out", tmp_path / "o", "--cache-dir", ""), "cat_inpaint_train", text)
    from cat_inpaint.data import _MEMORY; _MEMORY.clear()  # decode again, so the disk cache is written
    args = ["--data", toy, "--recipe", "seed", "--cache-dir", tmp_path / "cache"]
    p = run_here(train_cli, *args, "--batch-size", 4, "--max-steps", 1, "--out", tmp_path / "run")
    assert p.returncode == 0, p.stderr
    one_line_error(run_here(train_cli, *args, "--batch-size", 8, "--max-steps", 2, "--out", tmp_path / "run", "--resume", tmp_path / "run" / "checkpoint.pt"),
                   "cat_inpaint_train", "trained with batch_size=4, but this run asks for batch_size=8; to continue it as it was trained, leave out --batch-size")
    cache = next((tmp_path / "cache").glob("*train*.safetensors")); cache.write_bytes(cache.read_bytes()[:100])
    _MEMORY.clear()
    one_line_error(run_here(train_cli, *args, "--max-steps", 1, "--out", tmp_path / "run2"), "cat_inpaint_train", f"cache {cache} is damaged")

@pytest.mark.parametrize("script", [train_cli, eval_cli, remove_cli, bench_cli])
def test_help_is_clean(script):
    "Dashed names only, no markdown backticks; choices listed."
    p = run_here(script, "--help")
    assert p.returncode == 0 and "`" not in p.stdout, p.stdout
    assert not [w for w in p.stdout.split() if w.startswith("--") and "_" in w], p.stdout
    flat = " ".join(p.stdout.split())  # argparse wraps lines at the terminal width
    if script is train_cli: assert "(one of: seed, seed_l1" in flat and "(default: default)" in flat

def test_offline_hub_default(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    one_line_error(run_here(train_cli, "--max-steps", 1, "--out", tmp_path / "o"), "cat_inpaint_train", "cats_vs_dogs_128.parquet")

def test_eval_bad_input(toy, tmp_path):
    one_line_error(run_here(eval_cli, "--checkpoint", tmp_path / "nope.pt", "--data", toy), "cat_inpaint_eval", "no such checkpoint")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    one_line_error(run_here(eval_cli, "--checkpoint", tmp_path / "junk.pt", "--data", toy), "cat_inpaint_eval", "not a cat-inpaint checkpoint")
    one_line_error(run_here(eval_cli, "--data", toy, "--split", "dev"), "cat_inpaint_eval", "invalid choice: 'dev'")
    one_line_error(run_here(eval_cli, "--data", toy, "--masks", "square"), "cat_inpaint_eval", "unknown mask setting 'square'")

def test_eval_photos(tmp_path):
    "Large-photo mode: every removal of the model (with and without the photo's detail) and of each classical method, and the command, in one JSON line."
    folder = tmp_path / "photos"; folder.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((300, 400, 3)) * 255).astype(np.uint8)).save(folder / "noise.png")
    (folder / "notes.txt").write_text("not a photo")
    p = run_here(eval_cli, "--photos", folder, "--checkpoint", "cats64", "--classical", "telea")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {(r["method"], r["masks"], r["removals"]) for r in out["results"]} == {(m, k, n) for m in ("cats64", "cats64, upsampled", "telea") for k, n in (("object", 3), ("person", 1))}
    assert len(out["removals"]) == 12 and out["command"].startswith(f"cat_inpaint_eval --photos {folder} --checkpoint cats64")
    one_line_error(run_here(eval_cli, "--photos", tmp_path / "none"), "cat_inpaint_eval", "no such folder")
    one_line_error(run_here(eval_cli, "--photos", folder, "--classical", "fsr"), "cat_inpaint_eval", "unknown classical method 'fsr'")
    # the bounds, with no model: the saved command runs as printed (an empty checkpoint quoted)
    p = run_here(eval_cli, "--photos", folder, "--checkpoint", "", "--classical", "truth_coarse")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {r["method"] for r in out["results"]} == {"truth_coarse"} and shlex.split(out["command"])[3:] == ["--checkpoint", "", "--classical", "truth_coarse"]

def test_corrupt_images_are_skipped(toy, tmp_path):
    "The toy set holds a truncated JPEG and 16-bit, CMYK, palette, RGBA and grayscale images."
    from cat_inpaint.data import load_splits, decode_split
    splits = load_splits(str(toy))
    counts = [decode_split(s)[1] for s in splits.values()]
    assert sum(counts) == 1  # the truncated JPEG, wherever the split put it
