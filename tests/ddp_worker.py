"""Run by `torchrun` in test_main_model: trains a tiny config, then every rank saves its own weights."""

import sys
from pathlib import Path

import torch

from deep_learning.main_model.training_loop import PRESETS, Config, Trainer

if __name__ == "__main__":
    out = Path(sys.argv[1])
    config = Config(**{**PRESETS["default"], "config": "default", "limit_concepts": 12, "g_width": 8, "d_width": 8,
                       "batch_size": 8, "epochs": 1, "saved": str(out), "run": "ddp", "device": "cpu"})
    trainer = Trainer(config)
    trainer.train()
    torch.save({"generator": trainer.generator.state_dict(), "discriminator": trainer.discriminator.state_dict(),
                "step": trainer.step, "world_size": trainer.dist.world_size}, out / f"rank{trainer.dist.rank}.pt")
