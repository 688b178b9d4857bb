"""musiceval.models: one trainer per output directory (the lock of ``Trainer.fit``)."""

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")


from _trainer_kit import At, four_voices, losses_csv, raise_, tiny, trainer  # noqa: E402

import musiceval  # noqa: E402
from musiceval.models import Checkpointer, Hook, LossLogger, MetricsHook  # noqa: E402

LOCK = ".musiceval.lock"

FIRST_RUN = """
import sys
sys.path.insert(0, {tests!r})
from _trainer_kit import four_voices, trainer
from musiceval.models import Checkpointer, Hook, MetricsHook

class Wait(Hook):
    def on_train_start(self, trainer, state):
        print("training", flush=True)
        sys.stdin.readline()

hooks = [MetricsHook(plot_every=100, report=False), Wait(), Checkpointer()]
print(trainer({out!r}, four_voices(), hooks=hooks).fit().step)
"""


@pytest.fixture(scope="module")
def rolls():
    return four_voices()


def test_a_second_trainer_is_refused_while_the_first_trains(tmp_path, rolls):
    out = tmp_path / "run"
    script = FIRST_RUN.format(tests=str(Path(__file__).parent), out=str(out))
    first = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout.readline() == "training\n", first.stderr.read()
        lock = json.loads((out / LOCK).read_text())
        assert (lock["pid"], lock["host"]) == (first.pid, socket.gethostname())
        config = (out / "config.json").read_bytes()
        second = trainer(out, rolls, hooks=[LossLogger(), Checkpointer()])
        with pytest.raises(
            musiceval.InvalidParameterError,
            match=rf"got {re.escape(repr(str(out)))}, locked by process {first.pid} on ",
        ):
            second.fit()
        assert (out / "config.json").read_bytes() == config  # nothing was changed
        assert not (out / "losses.csv").exists()
        stdout, stderr = first.communicate("\n", timeout=120)
    finally:
        first.kill()
        first.wait()
    assert (first.returncode, stdout) == (0, "4\n"), stderr
    assert not (out / LOCK).exists()
    with pytest.warns(RuntimeWarning, match="replaces it at its first checkpoint"):
        state = second.fit()  # the first has ended: the same trainer now runs
    assert state.step == 4 and losses_csv(out)[:, 0].tolist() == [1, 2, 3, 4]
    assert torch.load(out / "checkpoint.pt", weights_only=True)["step"] == 4
    assert not (out / LOCK).exists()


def test_a_stale_lock_of_a_dead_process_is_taken_over_with_a_warning(tmp_path, rolls):
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(ended.stdout)
    owner = {"pid": pid, "host": socket.gethostname(), "since": 0.0}
    (tmp_path / LOCK).write_text(json.dumps(owner))
    with pytest.warns(RuntimeWarning, match=rf"left by process {pid}, which no longer runs"):
        state = trainer(tmp_path, rolls).fit()
    assert state.step == 4
    assert not (tmp_path / LOCK).exists()


def test_the_lock_is_held_during_fit_and_shared_with_its_own_metrics_hook(tmp_path, rolls):
    seen = []

    class Look(Hook):
        def on_train_start(self, trainer, state):
            with pytest.raises(musiceval.InvalidParameterError, match=r"locked by process"):
                musiceval.Monitor(trainer.data, out_dir=trainer.out_dir)  # not the hook's

        def on_step_end(self, trainer, state):
            seen.append(json.loads((trainer.out_dir / LOCK).read_text())["pid"])

    hooks = [MetricsHook(plot_every=100, report=False), Look()]
    state = trainer(tmp_path, rolls, hooks=hooks).fit()
    assert state.step == 4 and seen == [os.getpid()] * 4
    assert (tmp_path / "metrics.csv").is_file()
    assert not (tmp_path / LOCK).exists()


def test_fit_releases_the_lock_when_it_fails(tmp_path, rolls):
    run = trainer(tmp_path, rolls, hooks=[At("on_step_end", 3, raise_(KeyError("broken hook")))])
    with pytest.raises(KeyError, match="broken hook"):
        run.fit()
    assert not (tmp_path / LOCK).exists()
    with pytest.raises(musiceval.models.CheckpointError, match="no checkpoint at"):
        trainer(tmp_path / "new", rolls, resume=True).fit()
    assert not (tmp_path / "new").exists()  # a refused run leaves nothing behind


def test_the_directory_is_checked_again_under_the_lock(tmp_path, rolls):
    late = trainer(tmp_path, rolls, tiny(seed=1))  # made while the directory is empty
    trainer(tmp_path, rolls).fit()
    with pytest.raises(ValueError, match=r"different configuration \(seed: 0 -> 1\)"):
        late.fit()
    assert json.loads((tmp_path / "config.json").read_text())["seed"] == 0
