"Shared fixtures: a small synthetic photo set with the Hub schema, and the real photos when present."
import contextlib, io, os, shutil, subprocess, sys
from pathlib import Path
import pytest
from cat_inpaint.data import write_toy_photos, find_photos

BIN = Path(sys.executable).parent

def run(cmd, *args, cwd=None, env=None, timeout=600):
    "Run console script `cmd` from this environment; the completed process."
    exe = shutil.which(cmd, path=str(BIN)) or cmd
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, **(env or {})})

def run_here(script, *args):
    "Run the console script `script` (a `cli.Script`) in this process with `args`, as its console script would: the completed process."
    out, err, code = io.StringIO(), io.StringIO(), 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): code = script([str(a) for a in args]) or 0
    except SystemExit as e: code = e.code if isinstance(e.code, int) else int(e.code is not None)
    return subprocess.CompletedProcess([script.prog, *map(str, args)], code, out.getvalue(), err.getvalue())

@pytest.fixture(scope="session")
def toy(tmp_path_factory):
    "A 70-cat, 10-dog synthetic parquet with every awkward image mode and one truncated JPEG."
    return write_toy_photos(tmp_path_factory.mktemp("data") / "toy.parquet", n_cats=64, n_dogs=10, odd=True)

@pytest.fixture(scope="session")
def photos():
    p = find_photos()
    if p is None: pytest.skip("the shared photo parquet is not available")
    return p
