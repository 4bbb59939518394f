"""Training-speed benchmark: `python -m deep_learning.benchmark_training` (or `make benchmark-training`).

For every model at its default config it times a faithful training step (the cases its registry entry names,
`deep_learning/<model>/benchmark.py`: the loop's own step function, D update + G update) and one batch of
generator inference, in several variants (float32, channels-last, bfloat16 autocast, torch.compile) and
thread counts. FLOPs per step come from `torch.utils.flop_counter.FlopCounterMode` (forward and backward
convolutions and matmuls); the float32 and bfloat16 matmul peaks are measured in the same run at the same
thread counts. Prints a table; asserts nothing. `--profile` adds where the shipped variant's step time goes.
"""

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import torch
from torch.utils.flop_counter import FlopCounterMode

from backend.registry import benchmark_cases
from deep_learning.common.benchmark_case import VARIANTS, Variant, shipped_variant

BUILDERS = benchmark_cases()  # every model's cases, from its registry entry
MODELS = [name for name, case in BUILDERS.items() if not getattr(case, "on_request", False)]  # the default set


class _GlobalOnly:
    """Stands in for FlopCounterMode's per-module tracker, whose backward hooks on module inputs break
    `torch.autograd.grad` with those inputs (the text-to-image gradient penalty); only the total is needed."""
    parents = frozenset({"Global"})

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def count_flops(fn: Callable[[], object]) -> int:
    """FLOPs of one call (convolutions and matmuls, forward and backward), as torch's counter sees them."""
    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _GlobalOnly()
    with counter:
        fn()
    return counter.get_total_flops()


@dataclass
class Timings:
    """Wall-clock seconds of every timed call, and the CPU seconds (all threads) they used."""
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0

    def run(self, fn: Callable[[], object], calls: int) -> "Timings":
        for _ in range(calls):
            cpu, start = time.process_time(), time.perf_counter()
            fn()
            self.seconds.append(time.perf_counter() - start)
            self.cpu_seconds += time.process_time() - cpu
        return self

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cores(self) -> float:
        """CPU per wall-clock second: well under the thread count means something else had the cores."""
        return self.cpu_seconds / sum(self.seconds)


def matmul_peak(dtype: torch.dtype, n: int = 2048, calls: int = 16) -> float:
    """GFLOP/s of the fastest of a few large square matmuls: the ceiling the models are compared with."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b
    return 2 * n**3 / min(Timings().run(lambda: a @ b, 1).seconds[0] for _ in range(calls)) / 1e9


def measure_peaks(threads: int, n: int = 2048) -> tuple[float, float]:
    torch.set_num_threads(threads)
    return matmul_peak(torch.float32, n), matmul_peak(torch.bfloat16, n)


@dataclass
class Row:
    model: str
    variant: str
    threads: int
    train_img_s: float = 0.0
    train_gflop_s: float = 0.0
    peak_share: float = 0.0  # of the fp32 matmul peak at this thread count
    bf16_peak_share: float = 0.0  # of the bf16 matmul peak (AMX where the CPU has it)
    gen_img_s: float = 0.0
    gen_gflop_s: float = 0.0
    default: bool = False  # the variant the model's training config ships
    note: str = ""


def _failed(model: str, variant: Variant, threads: int, error: Exception) -> Row:
    message = str(error).strip().splitlines()[0][:90] if str(error).strip() else ""
    return Row(model, variant.name, threads, note=f"failed: {type(error).__name__}: {message}")


def benchmark_model(model: str, variants: list[Variant], threads: list[int], steps: int, rounds: int,
                    warmup: int) -> tuple[list[Row], tuple[tuple[int, int], tuple[int, int]]]:
    """Builds the model once per variant (same seed), then times training and generation of every
    (variant, thread count) `rounds` times round-robin, so a slow moment of a shared machine spreads over
    all rows instead of sinking one. All variants run at threads[0]; the shipped one also at the others.
    Returns the rows (without peak shares) and (FLOPs, images) of one training step and one generated batch."""
    cases, rows = {}, []
    for variant in variants:
        torch.set_num_threads(threads[0])
        torch.manual_seed(0)
        try:
            cases[variant] = BUILDERS[model](variant)
        except Exception as error:  # a variant that does not work here is a row, not a crash
            rows.append(_failed(model, variant, threads[0], error))
    eager = next((case for variant, case in cases.items() if not variant.compile), None)
    if eager is None:
        eager = BUILDERS[model](replace(variants[0], compile=False))
    flops = count_flops(eager.step), count_flops(eager.generate)  # the same for every variant
    sizes = ((flops[0], eager.images), (flops[1], eager.gen_images))
    plan = [(v, threads[0]) for v in cases]
    if threads[1:]:
        shipped = next((v for v, case in cases.items() if case.default), None) or shipped_variant(BUILDERS[model])
        cases.setdefault(shipped, BUILDERS[model](shipped))
        plan += [(shipped, t) for t in threads[1:]]
    timings = {}
    for variant, t in plan:
        torch.set_num_threads(t)
        try:  # compiling happens here, and a guard may recompile on the second call
            for _ in range(warmup + variant.compile):
                cases[variant].step()
                cases[variant].generate()
            timings[variant, t] = Timings(), Timings()
        except Exception as error:
            rows.append(_failed(model, variant, t, error))
    for _ in range(rounds):
        for (variant, t), (train, gen) in timings.items():
            torch.set_num_threads(t)
            train.run(cases[variant].step, steps)
            gen.run(cases[variant].generate, max(steps, 3))
    for (variant, t), (train, gen) in timings.items():
        case = cases[variant]
        row = Row(model, variant.name, t, case.images / train.median, flops[0] / train.median / 1e9,
                  gen_img_s=case.gen_images / gen.median, gen_gflop_s=flops[1] / gen.median / 1e9, default=case.default)
        busy = [f"{what} used {timing.cores:.1f} of {t} cores: busy machine?"
                for what, timing in (("training", train), ("generation", gen)) if timing.cores < 0.8 * t]
        row.note = "; ".join((["default"] if case.default else []) + busy)
        rows.append(row)
    order = {(v.name, t): i for i, (v, t) in enumerate([(v, threads[0]) for v in variants] + plan)}
    return sorted(rows, key=lambda r: order.get((r.variant, r.threads), len(order))), sizes


GEMM_OPS = ("conv", "mm", "matmul", "linear")  # aten ops that run as convolution / matrix-multiply kernels


def time_split(step: Callable[[], object]) -> str:
    """Where one training step's time goes, by the profiler: the convolution/matmul kernels (what the
    GFLOP/s count) against everything else (normalisation, activations, resampling, Adam, autograd)."""
    from torch.profiler import ProfilerActivity, profile

    step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    is_gemm = [e.key.startswith("aten::") and any(op in e.key for op in GEMM_OPS) for e in events]
    gemm = sum(e.self_cpu_time_total for e, g in zip(events, is_gemm, strict=True) if g)
    others = sorted((e for e, g in zip(events, is_gemm, strict=True) if not g), key=lambda e: -e.self_cpu_time_total)
    top = ", ".join(f"{e.key.removeprefix('aten::')} {e.self_cpu_time_total / total:.0%}" for e in others[:5])
    return f"convolutions and matmuls {gemm / total:.0%} of the step's op time; the rest led by {top}"


def format_table(rows: list[Row]) -> str:
    lines = ["| model | variant | threads | train img/s | train GFLOP/s | % fp32 peak | % bf16 peak | gen img/s "
             "| gen GFLOP/s | |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        numbers = (f"{r.train_img_s:.1f} | {r.train_gflop_s:.0f} | {100 * r.peak_share:.0f}% | "
                   f"{100 * r.bf16_peak_share:.0f}% | {r.gen_img_s:.0f} | {r.gen_gflop_s:.0f}")
        if r.note.startswith("failed"):
            numbers = " | ".join(["–"] * 6)
        lines.append(f"| {r.model} | {r.variant} | {r.threads} | {numbers} | {r.note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, from {', '.join(BUILDERS)}")
    parser.add_argument("--variants", default="fp32,channels_last,bf16,bf16+channels_last",
                        help=f"comma-separated, from {', '.join(VARIANTS)}")
    parser.add_argument("--threads", default="2,1", help="thread counts: all variants at the first, the "
                        "model's shipped variant also at the others")
    parser.add_argument("--steps", type=int, default=1, help="timed steps per row and round")
    parser.add_argument("--rounds", type=int, default=3, help="round-robin passes over the rows (median of all)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps per row first")
    parser.add_argument("--profile", action="store_true", help="also: where the shipped variant's step time goes")
    parser.add_argument("--peak_size", type=int, default=2048, help="side of the square matmuls timed for the peaks")
    args = parser.parse_args(argv)
    models, threads = args.models.split(","), [int(t) for t in args.threads.split(",")]
    for names, known in ((models, BUILDERS), (args.variants.split(","), VARIANTS)):
        if unknown := [name for name in names if name not in known]:
            parser.error(f"unknown {', '.join(unknown)}: choose from {', '.join(known)}")
    variants = [VARIANTS[name] for name in args.variants.split(",")]
    print(f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}, {args.rounds} rounds x "
          f"{args.steps} steps per row (+{args.warmup} warm-up)", flush=True)
    peaks = dict.fromkeys(threads, (0.0, 0.0))
    rows, splits = [], {}
    for model in [*models, None]:
        for t in threads:  # before every model and at the end: a busy moment only lowers a peak, so keep the best
            peaks[t] = tuple(max(a, b) for a, b in zip(peaks[t], measure_peaks(t, args.peak_size), strict=True))
        if model is None:
            break
        model_rows, flops = benchmark_model(model, variants, threads, args.steps, args.rounds, args.warmup)
        if args.profile:
            torch.set_num_threads(threads[0])
            shipped = shipped_variant(model)
            torch.manual_seed(0)
            split = time_split(BUILDERS[model](shipped).step)
            splits[model] = f"{model} ({shipped.name}, {threads[0]} threads): {split}"
        (train_flops, images), (gen_flops, gen_images) = flops
        print(f"{model}: {train_flops / 1e9:.1f} GFLOP per training step of {images} images "
              f"({train_flops / images / 1e9:.2f} per image); generation {gen_flops / gen_images / 1e9:.3f} per image",
              flush=True)
        rows += model_rows
    for t in threads:
        print(f"matmul peak, {t} thread(s): float32 {peaks[t][0]:.0f} GFLOP/s, bfloat16 {peaks[t][1]:.0f} GFLOP/s "
              f"(best of {len(models) + 1} measurements)")
    for row in rows:
        row.peak_share, row.bf16_peak_share = (row.train_gflop_s / peak for peak in peaks[row.threads])
    print()
    print(format_table(rows))
    if splits:
        print("\n" + "\n".join(splits.values()))
    return rows


if __name__ == "__main__":
    main()
