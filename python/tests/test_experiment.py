"""`experiment bn`: the engine's folder (settings.json, runs.csv, table.md, figure.png), resume
and refusal, on a tiny grid."""
import argparse
import os

import pytest
from conftest import fashion_available

from losspatterns.experiment import Runner, Settings, Summary, _swift_pretty, add_bn_parser, cmd_bn, probabilities, settings_from


def args(out, *extra):
    ap = argparse.ArgumentParser()
    add_bn_parser(ap.add_subparsers())
    return ap.parse_args(["bn", "--output", str(out), "--steps", "2", "--seeds", "1", "--p-from", "0.3", "--p-to", "0.5",
                          "--p-step", "0.2", "--batch", "8", "--cells", "2", "--eval-images", "20", "--workers", "1",
                          "--device", "cpu", *extra])


SWIFT_SETTINGS = """{
  "batchSize" : 32,
  "cells" : 8,
  "clip" : 2.5,
  "dataset" : "fashion-mnist",
  "evalImages" : 10,
  "gradientClip" : 100,
  "initialScale" : 0.1,
  "learningRate" : 0.003,
  "maskSize" : 10,
  "net" : {
    "adaptivePool" : 4,
    "batchNorm" : false,
    "classes" : 10,
    "convChannels" : [
      1,
      4,
      4,
      8
    ],
    "dense" : [
      128,
      32
    ],
    "inputShape" : [
      1,
      28,
      28
    ],
    "maxPool" : true
  },
  "precision" : "fp32",
  "probabilities" : [
    0.5
  ],
  "seeds" : [
    1
  ],
  "steps" : 2
}"""


def test_settings_json_is_written_as_mpo_writes_it():
    # what `mpo experiment bn --steps 2 --seeds 1 --p-from 0.5 --p-to 0.5 --eval-images 10` wrote
    import json
    s = Settings.from_json(json.loads(SWIFT_SETTINGS))
    assert _swift_pretty(s.to_json()) == SWIFT_SETTINGS
    assert probabilities(0.1, 0.9, 0.1) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


@pytest.mark.skipif(not fashion_available(), reason="needs FashionMNIST (Debian's dataset-fashion-mnist)")
def test_tiny_grid_runs_resumes_and_refuses(tmp_path, capsys):
    out = tmp_path / "bn"
    assert cmd_bn(args(out)) == 0
    lines = open(out / "runs.csv").read().splitlines()
    assert lines[0].startswith("p,variant,seed,steps,gap") and len(lines) == 5
    assert {l.split(",")[1] for l in lines[1:]} == {"plain", "bn"}
    assert open(out / "figure.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    table = open(out / "table.md").read()
    assert "| 0.3 |" in table and "4 of 4 runs finished" in table
    capsys.readouterr()
    assert cmd_bn(args(out, "--seeds", "2", "--p-from", "0.5")) == 0  # one more seed at p 0.5: 2 new runs
    text = capsys.readouterr().out
    assert "1 run(s) already finished" not in text and "resuming" in text
    assert len(open(out / "runs.csv").read().splitlines()) == 7
    with pytest.raises(ValueError, match="other settings"):
        cmd_bn(args(out, "--lr", "0.01"))
