"""The removal app in a real browser: headless Chromium (Debian's `chromium`, driven by playwright) on JupyterLab
and on the `cat_inpaint_app` page (Voilà). Every check reads either the browser's own canvas pixels or, through a
second client on the same kernel, what reached Python. Opt-in (`CAT_INPAINT_BROWSER=1`); `.ci/run` sets it.
Screenshots go to `$CAT_INPAINT_SCREENSHOTS` (`.ci/run` keeps them as artifacts), else to pytest's temporary folder."""
import base64, hashlib, io, json, os, shutil, signal, socket, subprocess, sys, time, urllib.error, urllib.request
from contextlib import contextmanager
from pathlib import Path
import numpy as np
import pytest
from PIL import Image

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(os.environ.get("CAT_INPAINT_BROWSER") != "1",
                                reason="real-browser tests are opt-in: CAT_INPAINT_BROWSER=1 (needs Debian's chromium)")
PREVIEW = 640 # the app's preview side
TOKEN = "t0ken" # the page's token in these tests
TIMEOUT = 120_000 # ms: a cold kernel loads torch and the model

# ---------------------------------------------------------------- servers and the kernel behind the page

def free_port() -> int:
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

@contextmanager
def server(cmd:list, url:str, env:dict, log:Path):
    "Run `cmd` (a web server on 127.0.0.1) until `url` answers; stop it, and everything it started, by its process group."
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            for _ in range(240):
                if proc.poll() is not None: raise RuntimeError(f"{cmd[0]} exited: {log.read_text()[-2000:]}")
                try: urllib.request.urlopen(url, timeout=2); break
                except urllib.error.HTTPError: break  # it answers (a refusal is an answer)
                except OSError: time.sleep(0.5)
            else: raise RuntimeError(f"{url} never answered: {log.read_text()[-2000:]}")
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try: proc.wait(20)
                except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL)

class Kernel:
    "A second client on the page's kernel (the newest connection file under `folder`): runs code, returns its JSON."
    def __init__(self, folder:Path, kernel_id:str|None=None):
        from jupyter_client import BlockingKernelClient
        files = sorted(folder.rglob(f"kernel-{kernel_id or '*'}.json"), key=lambda p: p.stat().st_mtime)
        assert files, f"no connection file for kernel {kernel_id or 'any'} under {folder}"
        self.client = BlockingKernelClient(connection_file=str(files[-1])); self.client.load_connection_file()
        self.client.start_channels(); self.client.wait_for_ready(timeout=60)

    def ask(self, code:str):
        "Run `code`, whose last line prints one JSON value, in the page's namespace; that value."
        out = []
        def keep(msg):
            if msg["msg_type"] == "stream": out.append(msg["content"]["text"])
            if msg["msg_type"] == "error": raise AssertionError("\n".join(msg["content"]["traceback"]))
        try: self.client.execute_interactive(code, output_hook=keep, timeout=120)
        except TimeoutError: raise AssertionError(f"the kernel did not answer {code[:60]!r} in 120 s") from None
        return json.loads("".join(out).strip().splitlines()[-1])

    def close(self): self.client.stop_channels()

HELPERS = """
import json, hashlib, tempfile
from pathlib import Path
import numpy as np
from cat_inpaint.app import MaskPainter
from cat_inpaint.photos import grow_mask, save_photo
def _iou(a, b): a, b = np.asarray(a) > 0, np.asarray(b) > 0; return float((a & b).sum() / max((a | b).sum(), 1))
def _stroke(points, radius):
    m = MaskPainter(app.photo.size, app.preview_side); m.stroke(points, radius); return m.mask
def _changed_outside(grow):
    "Pixels the last removal changed outside its mask grown by `grow`, and inside it."
    step = app.steps[-1]; mask = step.mask(app.photo.size) > 0
    diff = (np.asarray(app.photo).astype(int) != np.asarray(step.undo(app.photo))).any(-1)
    return int((diff & ~grow_mask(mask, grow)).sum()), int((diff & mask).sum())
def _shown(mask, grow=0):
    "Preview pixels over `mask` grown by `grow` photo pixels, packed for the test."
    import base64; p = MaskPainter(app.photo.size, app.preview_side); p.mask = grow_mask(np.asarray(mask) > 0, grow).astype(np.uint8)
    return base64.b64encode(np.packbits(p.overlay()[..., 3] > 0)).decode()
def _download_sha():
    with tempfile.TemporaryDirectory() as d: return hashlib.sha256(save_photo(app.photo, Path(d) / app.result_name()).read_bytes()).hexdigest()
print(json.dumps("ok"))
"""

# ---------------------------------------------------------------- the browser's side

def unpack(text:str, shape) -> np.ndarray:
    "A mask `_shown` packed in the kernel."
    return np.unpackbits(np.frombuffer(base64.b64decode(text), np.uint8))[:shape[0] * shape[1]].reshape(shape).astype(bool)

def grown(m:np.ndarray, px:int) -> np.ndarray:
    import cv2
    return cv2.dilate(m.astype(np.uint8), np.ones((2 * px + 1, 2 * px + 1), np.uint8)).astype(bool)

SHOWN = [None] # the preview's (h, w): the canvas is a fixed square, with the photo at its top left

def canvas_pixels(page, i:int=0) -> np.ndarray:
    "The `i`-th canvas on the page as the browser holds it, where the photo is: RGB `(h, w, 3)`."
    url = page.evaluate("i => document.querySelectorAll('canvas')[i].toDataURL('image/png')", i)
    px = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")).astype(int)
    return px[:SHOWN[0][0], :SHOWN[0][1]] if SHOWN[0] else px

def settled(page, past=(), i:int=0) -> np.ndarray:
    """The `i`-th canvas once a change has landed: not blank, none of the pictures in `past`, the same on two reads.
    A status line can arrive before the picture: the browser decodes an image in the background."""
    last, deadline = None, time.time() + TIMEOUT / 1000
    while time.time() < deadline:
        px = canvas_pixels(page, i)
        if px.any() and not any(np.array_equal(px, q) for q in past) and last is not None and np.array_equal(px, last): return px
        last = px; time.sleep(0.3)
    raise AssertionError(f"the canvas never settled on a new picture in {TIMEOUT / 1000:.0f} s")

def waiting(page, what:str, js:str, arg=None):
    "`page.wait_for_function(js, arg)`; on a timeout, a screenshot and the page's text say where it stood."
    try: page.wait_for_function(js, arg=arg, timeout=TIMEOUT)
    except Exception:
        shot = Path(os.environ.get("CAT_INPAINT_SCREENSHOTS") or ".") / f"timeout-{int(time.time())}.png"; page.screenshot(path=shot)
        raise AssertionError(f"waited {TIMEOUT / 1000:.0f} s for {what}; the page says: {page.inner_text('body')[-600:]!r} (screenshot {shot});"
                             f" its console: {getattr(page, 'console', [])[-15:]}") from None

def wait_text(page, text:str): waiting(page, repr(text), "t => document.body.innerText.includes(t)", text)

def wait_drawn(page, i:int=0):
    "Until the `i`-th canvas shows something (a lost draw command would leave it blank for good)."
    waiting(page, f"canvas {i} to show something", "i => { const c = document.querySelectorAll('canvas')[i]; if (!c || !c.width) return false;"
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " for (let k = 3; k < d.length; k += 4000) if (d[k]) return true; return false; }", i)

def click(page, label:str):
    page.locator(f".widget-button:text-is('{label}'), .widget-toggle-button:text-is('{label}')").first.click()

def drag(page, box, points, release_at=None, then_hover=()):
    "Press at the first of `points` (canvas pixels), move through the rest, release (at `release_at` if given), then hover over `then_hover` with the button up."
    at = lambda x, y: (box["x"] + x, box["y"] + y)
    page.mouse.move(*at(*points[0])); page.mouse.down()
    for p in points[1:]: page.mouse.move(*at(*p), steps=4)
    if release_at: page.mouse.move(*at(*release_at), steps=4)
    page.mouse.up()
    for p in then_hover: page.mouse.move(*at(*p), steps=4)

def upload(page, photo:Path, loaded:bool=True):
    with page.expect_file_chooser() as chooser: page.locator(".cat-inpaint-pick").first.click()
    chooser.value.set_files(str(photo))
    if loaded: wait_text(page, "photo loaded"); wait_drawn(page)

def canvas_box(page, i:int=0) -> dict:
    box = page.locator("canvas").nth(i).bounding_box()
    assert round(box["width"]) <= PREVIEW and round(box["height"]) <= PREVIEW, box  # one preview pixel, one screen pixel: never stretched
    return box

# ---------------------------------------------------------------- one session, on either front end

STROKE = [(250, 150), (290, 160), (330, 150)] # across the cat's face, preview pixels
RADIUS = 12 # the app's default brush

def near(points, radius, shape) -> np.ndarray:
    "Preview pixels within `radius` + 3 of the polyline through `points`."
    import cv2
    m = np.zeros(shape, np.uint8); cv2.polylines(m, [np.array(points, np.int32)], False, 1, thickness=2 * (radius + 3) + 1)
    return m.astype(bool)

def session(page, kernel_folder:Path, photo:Path, shots:Path, tag:str, kernel_id:str|None=None) -> tuple:
    "Everything a user does once: load, paint (once released outside), remove twice, undo, box, clear, download. The kernel client and the photo's preview."
    upload(page, photo)
    from cat_inpaint.app import MaskPainter
    img = Image.open(photo).convert("RGB"); preview = np.asarray(MaskPainter(img.size, PREVIEW).preview(img)).astype(int); SHOWN[0] = preview.shape[:2]
    shown = canvas_pixels(page)
    assert shown.shape == preview.shape and np.abs(shown - preview).mean() < 1.0, np.abs(shown - preview).mean()  # the photo, pixel for pixel
    kernel = Kernel(kernel_folder, kernel_id); assert kernel.ask(HELPERS) == "ok"
    box = canvas_box(page)

    # a stroke; then one released outside the canvas, and a hover back in with the button up
    drag(page, box, STROKE)
    drag(page, box, [(520, 300), (600, 320)], release_at=(700, 330), then_hover=[(560, 380), (580, 400)])
    time.sleep(1)
    got = kernel.ask(f"m = app.painter.mask; print(json.dumps([_iou(m, np.maximum(_stroke({STROKE}, {RADIUS}), _stroke([(520, 300), (600, 320), (639, 330)], {RADIUS}))),"
                     f" int(m[int(380 / app.painter.scale) - 10:int(400 / app.painter.scale) + 10, int(560 / app.painter.scale) - 10:int(580 / app.painter.scale) + 10].sum())]))")
    assert got[0] > 0.85 and got[1] == 0, got  # the mask is the strokes; the hover with the button up painted nothing
    painted = canvas_pixels(page)
    red = unpack(kernel.ask("print(json.dumps(_shown(app.painter.mask)))"), preview.shape[:2])
    changed = np.abs(painted - preview).sum(-1) > 0
    assert (changed == red).mean() > 0.999 and not (changed & ~red).any(), np.argwhere(changed != red)[:5]  # red exactly where the kernel's mask is
    assert (painted[..., 0] - preview[..., 0])[red].mean() > 20
    page.screenshot(path=shots / f"{tag}-painted.png")

    click(page, "Remove"); wait_text(page, "(1 so far)")
    removed = settled(page, [painted, preview])  # past the picture before, and the photo without its red
    changed = np.abs(removed - preview).sum(-1) > 0
    near_hole = grown(unpack(kernel.ask("print(json.dumps(_shown(app.steps[-1].mask(app.photo.size), 3)))"), preview.shape[:2]), 3)  # the preview's filter reaches 3 pixels
    assert changed[red].mean() > 0.5 and not changed[~near_hole].any(), np.argwhere(changed & ~near_hole)[:5]  # under the strokes only
    outside, inside = kernel.ask("print(json.dumps(_changed_outside(3)))")
    assert outside == 0 and inside > 1000, (outside, inside)  # the photo changed inside the grown mask only
    page.screenshot(path=shots / f"{tag}-removed.png")

    drag(page, box, [(100, 250), (160, 260)]); time.sleep(0.5); second = canvas_pixels(page)
    click(page, "Remove"); wait_text(page, "(2 so far)")
    assert kernel.ask("print(json.dumps(_changed_outside(3)))")[0] == 0
    twice = settled(page, [second, removed])
    click(page, "Undo"); wait_text(page, "Undone (1 removals left)")
    assert np.abs(settled(page, [twice]) - removed).max() == 0  # back to the first result, on the page too

    click(page, "box"); drag(page, box, [(400, 60), (430, 80)], release_at=None)  # a box, drawn on release...
    page.mouse.move(box["x"] + 420, box["y"] + 70); page.mouse.down(); page.mouse.move(box["x"] + 470, box["y"] + 110, steps=5)
    time.sleep(0.5); dragging = canvas_pixels(page)
    assert (dragging[90, 450, 0] - removed[90, 450, 0]) > 20  # ...with its rectangle shown while dragging
    page.mouse.up(); time.sleep(0.5); boxed = canvas_pixels(page)
    assert kernel.ask("print(json.dumps(int((app.painter.mask > 0).sum())))") > 0
    click(page, "Clear mask"); wait_text(page, "Mask cleared")
    assert kernel.ask("print(json.dumps(int(app.painter.mask.sum())))") == 0
    assert np.abs(settled(page, [boxed]) - removed).max() == 0  # no red left

    with page.expect_download(timeout=TIMEOUT) as download: click(page, "Download")
    path = download.value.path(); assert download.value.suggested_filename == f"{photo.stem}-removed{photo.suffix}"
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == kernel.ask("print(json.dumps(_download_sha()))")
    return kernel, preview

@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).is_file(): pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()

@pytest.fixture
def photo(tmp_path) -> Path:
    from skimage import data
    p = tmp_path / "cat.jpg"; Image.fromarray(data.chelsea()).resize((1200, 800), Image.Resampling.LANCZOS).save(p, quality=90)
    return p

@pytest.fixture
def shots(tmp_path) -> Path:
    d = Path(os.environ.get("CAT_INPAINT_SCREENSHOTS") or tmp_path / "shots"); d.mkdir(parents=True, exist_ok=True); return d

def docs_picture(shots:Path, tag:str="voila") -> Path:
    "The picture of the app in README and on the removal page: the painted and the removed screenshot side by side, as JPEG."
    a, b = [Image.open(shots / f"{tag}-{s}.png").convert("RGB").crop((8, 145, 720, 680)) for s in ("painted", "removed")]
    both = Image.new("RGB", (a.width * 2 + 24, a.height), "white"); both.paste(a, (0, 0)); both.paste(b, (a.width + 24, 0))
    out = shots / "app.jpg"; both.resize((both.width * 3 // 4, both.height * 3 // 4), Image.Resampling.LANCZOS).save(out, quality=85)
    return out

def new_page(browser, errors:list):
    page = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1100}).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console = []; page.on("console", lambda m: page.console.append(f"{m.type}: {m.text}"[:300]))  # shown when a wait times out
    return page

# ---------------------------------------------------------------- the tests

def test_voila_page(browser, photo, shots, tmp_path):
    "The `cat_inpaint_app` page: a full session, then a reload (a fresh kernel), paint and remove once more."
    port, tmp = free_port(), tmp_path / "voila-tmp"; tmp.mkdir()
    env = os.environ | {"TMPDIR": str(tmp)}  # where Voilà keeps its kernels' connection files
    with server(["cat_inpaint_app", "--port", str(port), "--token", TOKEN], f"http://127.0.0.1:{port}/", env, tmp_path / "voila.log") as proc:
        errors, dialogs = [], []; page = new_page(browser, errors)
        page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))  # the reload below asks first: work would be lost
        page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}", timeout=TIMEOUT); page.wait_for_selector("canvas", timeout=TIMEOUT)
        assert page.title() == "cat-inpaint: remove objects"
        kernel, preview = session(page, tmp, photo, shots, "voila")
        kernel.close()
        page.reload(); page.wait_for_selector("canvas", timeout=TIMEOUT)
        assert dialogs == ["beforeunload"], dialogs  # asked before the work was thrown away
        assert until(lambda: len(kernels(proc)) == 1, 30), kernels(proc)  # and, the reload confirmed, the old page's kernel ended
        upload(page, photo); box = canvas_box(page)
        drag(page, box, STROKE); time.sleep(0.5); painted = canvas_pixels(page)
        click(page, "Remove"); wait_text(page, "(1 so far)")
        changed = np.abs(settled(page, [painted, preview]) - preview).sum(-1) > 0
        assert changed.any() and not changed[~near(STROKE, RADIUS, preview.shape[:2])].any()
        page.screenshot(path=shots / "voila-after-reload.png")
        assert errors == [], errors
        docs_picture(shots)  # nbs/images/app.jpg is a copy of this

LAB_NOTEBOOK = {"cells": [
    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source":
     "from cat_inpaint.app import RemovalApp\nfrom cat_inpaint.removal import Inpainter\napp = RemovalApp(Inpainter.from_pretrained())"},
    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "app.ui"},
    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "app.ui"}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}

CELL_DONE = ("i => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];"
             " return c.model.executionCount !== null && !c.node.querySelector('.jp-InputPrompt').textContent.includes('*'); }")
CELL_RUNNING = "i => window.jupyterapp.shell.currentWidget.content.widgets[i].node.querySelector('.jp-InputPrompt').textContent.includes('*')"

LAB_KERNEL = "() => window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.id" # the kernel the notebook tab talks to

RELOAD_NOISE = "Canceled future for" # JupyterLab's own message when a reload drops its kernel connection with a request in flight

def on_kernel(page, kernel_id:str) -> bool:
    """Until the notebook tab talks to kernel `kernel_id`, steadily. JupyterLab can ask "Select Kernel" anyway (its own race
    with the session the test made), and that dialog's default starts a *new* kernel, where the app does not live: the test
    picks the existing kernel, as a user would. Whether the dialog came up."""
    asked, steady, deadline = False, None, time.time() + TIMEOUT / 1000
    while time.time() < deadline:
        dialog = page.locator(".jp-Dialog:has-text('Select Kernel')")
        if dialog.count():
            dialog.locator("select").select_option(value=json.dumps({"id": kernel_id}, separators=(",", ":")))  # JSON.stringify's spelling
            dialog.locator(".jp-mod-accept").first.click(); page.wait_for_selector(".jp-Dialog", state="detached", timeout=TIMEOUT)
            asked, steady = True, None; continue
        if page.evaluate(LAB_KERNEL) != kernel_id: steady = None
        elif steady is None: steady = time.time()
        elif time.time() - steady > 2: return asked
        time.sleep(0.25)
    raise AssertionError(f"the notebook tab never settled on kernel {kernel_id}; it talks to {page.evaluate(LAB_KERNEL)}")

def run_cells(page, cells, tries:int=3):
    "Run these cells of the open notebook, in order, each to its end. JupyterLab can drop a run request sent while it is still connecting the kernel; one that never started is sent again."
    waiting(page, "the notebook's cells", "n => { const w = window.jupyterapp.shell.currentWidget; return w && w.content && w.content.widgets && w.content.widgets.length > n; }", max(cells))
    for i in cells:
        for attempt in range(tries):
            # sent, not awaited: the command's promise can wait forever on a kernel still connecting, and evaluate has no timeout
            page.evaluate("i => { const nb = window.jupyterapp.shell.currentWidget.content; nb.activeCellIndex = i;"
                          " window.jupyterapp.commands.execute('notebook:run-cell'); }", i)
            try: page.wait_for_function(CELL_DONE, arg=i, timeout=20_000); break
            except Exception:
                if page.evaluate(CELL_RUNNING, i): waiting(page, f"cell {i} to finish", CELL_DONE, i); break  # slow, not dropped
                if attempt == tries - 1: raise AssertionError(f"JupyterLab never ran cell {i}")

def test_jupyterlab(browser, photo, shots, tmp_path):
    "JupyterLab: a full session with `app.ui` shown twice; then a tab reload, `app.ui` shown again, paint and remove."
    port, runtime, work = free_port(), tmp_path / "runtime", tmp_path / "work"; work.mkdir()
    (work / "app.ipynb").write_text(json.dumps(LAB_NOTEBOOK))
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"; settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))  # no news toast over the app
    env = os.environ | {"JUPYTER_RUNTIME_DIR": str(runtime), "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings")}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--ServerApp.root_dir={work}",
           "--IdentityProvider.token=cat", "--allow-root", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--LabApp.collaborative=False"]
    url = f"http://127.0.0.1:{port}/lab/tree/app.ipynb?token=cat"
    with server(cmd, f"http://127.0.0.1:{port}/api/status?token=cat", env, tmp_path / "lab.log"):
        # the notebook's kernel session made before the page opens: a page that opens first can race the server's kernel
        # start, ask "Select Kernel" in a dialog over the app, and start a second kernel
        start = urllib.request.Request(f"http://127.0.0.1:{port}/api/sessions", method="POST", headers={"Authorization": "token cat", "Content-Type": "application/json"},
                                       data=json.dumps({"path": "app.ipynb", "name": "app.ipynb", "type": "notebook", "kernel": {"name": "python3"}}).encode())
        with urllib.request.urlopen(start, timeout=60) as answer: kid = json.load(answer)["kernel"]["id"]
        errors = []; page = new_page(browser, errors)
        page.goto(url, timeout=TIMEOUT); waiting(page, "JupyterLab's notebook", "() => window.jupyterapp && document.querySelector('.jp-Notebook')")
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=TIMEOUT)
        on_kernel(page, kid); run_cells(page, [0, 1, 2])
        try: waiting(page, "two canvases", "() => document.querySelectorAll('canvas').length == 2")
        finally: page.screenshot(path=shots / "lab-start.png")
        if on_kernel(page, kid): run_cells(page, [1, 2])  # a late dialog re-made the widget manager: the views shown again
        kernel, preview = session(page, runtime, photo, shots, "lab", kid)
        assert np.abs(canvas_pixels(page, 1) - canvas_pixels(page, 0)).max() == 0  # the second app.ui shows the same
        kernel.close()
        page.reload(); waiting(page, "JupyterLab's notebook", "() => window.jupyterapp && document.querySelector('.jp-Notebook')")
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=TIMEOUT)
        on_kernel(page, kid)  # the reloaded tab talks to the kernel it had
        run_cells(page, [1, 2])  # the kernel lives on: app.ui shown again in the reloaded tab
        if on_kernel(page, kid): run_cells(page, [1, 2])
        kernel = Kernel(runtime, kid)  # a fresh client on that same kernel: the first one's sockets lived through the reload's reconnects
        waiting(page, "two canvases after the reload", "() => document.querySelectorAll('canvas').length == 2"); wait_drawn(page)
        shown = canvas_pixels(page)
        assert kernel.ask("print(json.dumps(app.removals))") == 1 and shown.shape == preview.shape  # the first removal's result...
        assert (np.abs(shown - preview).sum(-1) > 0).any()  # ...is what the canvas shows again
        box = canvas_box(page); drag(page, box, [(100, 250), (160, 260)]); time.sleep(0.5); painted = canvas_pixels(page)
        click(page, "Remove"); wait_text(page, "(2 so far)")
        assert kernel.ask("print(json.dumps(_changed_outside(3)))")[0] == 0
        changed = np.abs(settled(page, [painted, shown]) - shown).sum(-1) > 0
        assert changed.any() and not changed[~near([(100, 250), (160, 260)], RADIUS, preview.shape[:2])].any()
        page.screenshot(path=shots / "lab-after-reload.png")
        kernel.close()
        assert [e for e in errors if not RELOAD_NOISE in e] == [], errors


# ---------------------------------------------------------------- the page as a server: kernels, access, phones, large photos

def kernels(proc) -> list:
    "PIDs of the kernels the server `proc` runs (its children: the launcher became Voilà, which starts each kernel in a session of its own)."
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    return [int(l.split()[0]) for l in out.splitlines() if int(l.split()[1]) == proc.pid and "ipykernel" in l]

def tree_rss_mb(proc) -> float:
    "Resident memory of the server and its kernels, MB."
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,rss="], capture_output=True, text=True).stdout
    return sum(int(r) for p, q, r in (l.split() for l in out.splitlines()) if int(p) == proc.pid or int(q) == proc.pid) / 1024

def status_of(url:str, **headers) -> int:
    "The HTTP status `url` answers with (redirects not followed)."
    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k): return None
    try: return urllib.request.build_opener(Keep).open(urllib.request.Request(url, headers=headers), timeout=30).status
    except urllib.error.HTTPError as e: return e.code

def until(test, seconds:float=30) -> bool:
    "Whether `test()` becomes true within `seconds`."
    for _ in range(int(seconds * 2)):
        if test(): return True
        time.sleep(0.5)
    return test()

def test_voila_kernels_and_access(browser, tmp_path):
    "Refusals start no kernel; each page's kernel ends when it closes (5 views, then none left); beyond the cap, a busy page; no request leaves 127.0.0.1."
    port, tmp = free_port(), tmp_path / "voila-tmp"; tmp.mkdir()
    base = f"http://127.0.0.1:{port}"
    with server(["cat_inpaint_app", "--port", str(port), "--token", TOKEN, "--max-pages", "2"], f"{base}/", os.environ | {"TMPDIR": str(tmp)}, tmp_path / "voila.log") as proc:
        assert status_of(f"{base}/") == 302  # no token: to the login page
        assert status_of(f"{base}/?token={TOKEN}", Host=f"evil.example:{port}") == 403  # DNS rebinding
        assert status_of(f"{base}/?token={TOKEN}", Origin="http://evil.example") == 403  # another site's page
        assert status_of(f"{base}/?token=wrong") == 302
        assert kernels(proc) == [], kernels(proc)
        context = browser.new_context(); requests = []
        context.on("request", lambda r: requests.append(r.url))
        for _ in range(5):
            page = context.new_page(); page.goto(f"{base}/?token={TOKEN}", timeout=TIMEOUT); page.wait_for_selector("canvas", timeout=TIMEOUT)
            page.close(run_before_unload=True)
        assert until(lambda: kernels(proc) == [], 30), kernels(proc)  # every page's kernel ended with its page
        print(f"after 5 page views: {len(kernels(proc))} kernels, {tree_rss_mb(proc):.0f} MB in the server and its kernels")
        pages = [context.new_page() for _ in range(2)]
        for p in pages: p.goto(f"{base}/?token={TOKEN}", timeout=TIMEOUT); p.wait_for_selector("canvas", timeout=TIMEOUT)
        assert len(kernels(proc)) == 2
        third = context.new_page(); answer = third.goto(f"{base}/?token={TOKEN}", timeout=TIMEOUT)
        assert answer.status == 503 and "busy" in third.inner_text("body") and len(kernels(proc)) == 2
        from urllib.parse import urlsplit
        assert {urlsplit(u).hostname for u in requests if u.startswith("http")} == {"127.0.0.1"}, sorted({u for u in requests if "127.0.0.1" not in u})[:5]
        context.close()

def touch_drag(page, points):
    "A one-finger drag through `points` (page pixels), as a phone's screen sends it."
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for x, y in points[1:]: cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}); time.sleep(0.05)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

def test_voila_phone_laptop_and_large_photos(browser, shots, tmp_path):
    "At 390x844 with touch: everything fits, a finger stroke paints and Remove removes it. At 1366x768: a press does not scroll, the stroke lands under the pointer. A 14-MB photo loads; one over the limit is refused in words."
    port, tmp = free_port(), tmp_path / "voila-tmp"; tmp.mkdir()
    big = tmp_path / "phone-photo.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (2600, 3500, 3), np.uint8)).save(big, quality=98)  # noise: a 12-MB-plus JPEG
    huge = tmp_path / "huge.jpg"; huge.write_bytes(b"\xff\xd8" + bytes(70 * 10 ** 6))
    base = f"http://127.0.0.1:{port}/?token={TOKEN}"
    with server(["cat_inpaint_app", "--port", str(port), "--token", TOKEN], f"http://127.0.0.1:{port}/", os.environ | {"TMPDIR": str(tmp)}, tmp_path / "voila.log"):
        from skimage import data
        photo = tmp_path / "cat.jpg"; Image.fromarray(data.chelsea()).resize((1200, 800), Image.Resampling.LANCZOS).save(photo, quality=90)
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
        errors = []; phone.on("pageerror", lambda e: errors.append(str(e))); phone.on("dialog", lambda d: d.accept())
        phone.goto(base, timeout=TIMEOUT); phone.wait_for_selector("canvas", timeout=TIMEOUT); time.sleep(1)
        phone.screenshot(path=shots / "phone-start.png")
        upload(phone, photo)
        box = phone.locator("canvas").first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, box  # the canvas fits the column
        for label in ("Remove", "Undo", "Clear mask", "Download", "brush", "box"):
            b = phone.locator(f".widget-button:text-is('{label}'), .widget-toggle-button:text-is('{label}')").first.bounding_box()
            assert b and b["x"] + b["width"] <= 390 + 1 and b["width"] >= 40, (label, b)  # every control whole and wide enough to tap
        pick = phone.locator(".cat-inpaint-pick").first.bounding_box(); assert pick["width"] >= 60 and pick["x"] + pick["width"] <= 391, pick
        scale = box["width"] / PREVIEW  # page pixels per canvas pixel
        at = lambda x, y: (box["x"] + x * scale, box["y"] + y * scale)
        touch_drag(phone, [at(250, 150), at(290, 160), at(330, 150)])
        kernel = Kernel(tmp); assert kernel.ask(HELPERS) == "ok"
        assert until(lambda: kernel.ask("print(json.dumps(int(app.painter.mask.sum())))") > 0, 10)
        assert kernel.ask("print(json.dumps(_iou(app.painter.mask, _stroke([(250, 150), (290, 160), (330, 150)], 12))))") > 0.7
        phone.screenshot(path=shots / "phone-painted.png")
        phone.locator(".widget-button:text-is('Remove')").first.tap(); wait_text(phone, "(1 so far)")
        assert kernel.ask("print(json.dumps(_changed_outside(3)))")[0] == 0
        phone.screenshot(path=shots / "phone-removed.png")
        upload(phone, huge, loaded=False); wait_text(phone, "this page takes photos up to 64 MB")
        upload(phone, big); assert kernel.ask("print(json.dumps(list(app.photo.size)))") == [3500, 2600]
        print(f"a {big.stat().st_size / 1e6:.1f} MB photo loaded")
        kernel.close(); phone.close()
        assert errors == [], errors

        laptop = browser.new_context(viewport={"width": 1366, "height": 768}).new_page(); laptop.on("dialog", lambda d: d.accept())
        laptop.goto(base, timeout=TIMEOUT); laptop.wait_for_selector("canvas", timeout=TIMEOUT); time.sleep(1)
        laptop.screenshot(path=shots / "laptop-start.png")
        upload(laptop, photo); box = laptop.locator("canvas").first.bounding_box()
        kernel = Kernel(tmp); assert kernel.ask(HELPERS) == "ok"
        y = min(400, 768 - box["y"] - 20)  # a point low on the photo but on the screen (the canvas reaches below it)
        before = laptop.evaluate("() => window.scrollY")
        laptop.mouse.move(box["x"] + 300, box["y"] + y); laptop.mouse.down(); time.sleep(0.3)
        assert laptop.evaluate("() => window.scrollY") == before  # pressing the canvas did not scroll the page
        laptop.mouse.move(box["x"] + 340, box["y"] + y, steps=4); laptop.mouse.up(); time.sleep(0.5)
        hit = kernel.ask(f"m = app.painter.mask; s = app.painter.scale; print(json.dumps([int(m[round({y} / s), round(320 / s)]), int(m[round(({y} - 40) / s), round(320 / s)])]))")
        assert hit == [1, 0], hit  # painted under the pointer, not 40 pixels away
        laptop.screenshot(path=shots / "laptop-painted.png")
        click(laptop, "Remove"); wait_text(laptop, "(1 so far)"); laptop.screenshot(path=shots / "laptop-removed.png")
        kernel.close(); laptop.close()
