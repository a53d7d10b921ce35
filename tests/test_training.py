"What a training run survives: a power cut at any step, resumed from its last evaluation, ends where an uncut run ends."
from unittest import mock
import json
import pytest, torch
from cat_inpaint.data import cached_split
from cat_inpaint.recipes import get_recipe, RunOptions
from cat_inpaint.checkpoint import load_checkpoint
import cat_inpaint.training as training

def test_power_cut_resumes_exactly(toy, tmp_path):
    "The third step fails (as a lost Colab session would); the run kept two evaluations, and resuming reaches the uncut run's weights."
    r, imgs = get_recipe("default", batch_size=8), cached_split(str(toy), "train", 64)
    real, calls = training.train_step, []
    def dying_step(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3: raise RuntimeError("power cut")
        return real(*args, **kwargs)
    with mock.patch.object(training, "train_step", dying_step), pytest.raises(RuntimeError, match="power cut"):
        training.fit(r, imgs, imgs[:8], options=RunOptions(max_steps=4, eval_every=1e-9, out=tmp_path / "cut", progress=False))
    assert len(json.loads((tmp_path / "cut" / "history.json").read_text())["curve"]) == 2
    assert load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["step"] == 2
    whole = training.fit(r, imgs, imgs[:8], options=RunOptions(max_steps=4, eval_every=1e-9, progress=False))
    after = training.fit(r, imgs, imgs[:8], options=RunOptions(max_steps=4, eval_every=1e-9, resume=tmp_path / "cut" / "checkpoint.pt", progress=False))
    assert [c["step"] for c in after.history["curve"]] == [1, 2, 3, 4]
    for a, b in zip(whole.generator.state_dict().values(), after.generator.state_dict().values()): assert torch.equal(a, b)

def test_fit_leaves_the_callers_random_numbers_alone(toy):
    "`fit(seed=...)` seeds its networks without reseeding the global generator a notebook may be using."
    imgs = cached_split(str(toy), "train", 64)
    torch.manual_seed(123); expected = torch.rand(3)
    torch.manual_seed(123); training.fit(get_recipe("seed", batch_size=4), imgs, options=RunOptions(max_steps=1, seed=7, progress=False))
    assert torch.equal(torch.rand(3), expected)

@pytest.mark.parametrize("name,key", [("seed_glcic", "d"), ("seed_hybrid", "rec"), ("seed_fm", "g")])
def test_next_steps_learn(toy, name, key):
    "The report's next steps, 30 steps on one batch of 4 at 10x the report's rate: GLCIC's critic learns to tell, the hybrid's hole error and the feature-matched generator's loss fall."
    imgs = cached_split(str(toy), "train", 64)[:4]
    h = training.fit(get_recipe(name, batch_size=4, lr_g=1e-3, lr_d=1e-3), imgs, options=RunOptions(max_steps=30, progress=False)).history
    first, last = sum(h[key][:5]) / 5, sum(h[key][-5:]) / 5
    assert last < 0.9 * first, (name, key, first, last)
