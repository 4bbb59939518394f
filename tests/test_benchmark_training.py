"""The training benchmark runs end to end on one small model and prints a row of positive numbers."""

import torch

from deep_learning import benchmark_training


def test_one_step_of_one_model_gives_a_positive_row(capsys):
    threads = torch.get_num_threads()
    try:
        rows = benchmark_training.main(["--models=digits_gan", "--variants=fp32", "--threads=1", "--steps=1",
                                        "--rounds=1", "--warmup=0", "--peak_size=512"])
    finally:
        torch.set_num_threads(threads)
    (row,) = rows
    assert (row.model, row.variant, row.threads) == ("digits_gan", "fp32", 1) and not row.note.startswith("failed")
    assert min(row.train_img_s, row.train_gflop_s, row.peak_share, row.gen_img_s, row.gen_gflop_s) > 0
    printed = capsys.readouterr().out
    assert "matmul peak, 1 thread(s): float32" in printed
    assert printed.rstrip().splitlines()[-1].startswith("| digits_gan | fp32 | 1 |")
