#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Render the JSON of sealfs-bench: a markdown table and a PNG plot.

    render.py RESULTS.json [--md OUT.md] [--png OUT.png]

The table (printed, and written to OUT.md) has one row per case: memfd,
sealfs (median and spread of the runs), sealfs/memfd, and for the
throughput rows each one's ratio to memcpy.  The plot shows the latency of
ADD_SEALS(F_SEAL_WRITE) against the file size for both implementations.
The plot needs matplotlib (Debian: python3-matplotlib); without it this
fails with a message saying so.
"""

import argparse
import json
import sys

# sealfs is "slower" or "faster" beyond this margin, "on par" within it.
MARGIN = 0.10


def fmt_size(n):
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div} {unit}"
    return f"{n} B"


def fmt_value(v, unit):
    if unit in ("faults/s", "ops/s"):
        for suffix, div in (("M", 1e6), ("k", 1e3)):
            if v >= div:
                return f"{v / div:.3g} {suffix}{unit}"
        return f"{v:.3g} {unit}"
    if unit == "us":
        if v >= 1e3:
            return f"{v / 1e3:.3g} ms"
        return f"{v:.3g} µs"
    return f"{v:.3g} {unit}"


def spread(side):
    """Half the range of the runs, in percent of the median."""
    if side["median"] == 0:
        return 0.0
    return (side["max"] - side["min"]) / 2 / side["median"] * 100


def cell(side, unit):
    return f"{fmt_value(side['median'], unit)} ±{spread(side):.0f}%"


def verdict(case):
    """How sealfs compares, from its point of view (>10% is a finding)."""
    r = case["sealfs"]["median"] / case["memfd"]["median"]
    speed = r if case["better"] == "higher" else 1 / r
    if speed < 0.5:
        return f"**{1 / speed:.1f}× slower**"
    if speed < 1 - MARGIN:
        return f"**{(1 - speed) * 100:.0f}% slower**"
    if speed > 2:
        return f"{speed:.1f}× faster"
    if speed > 1 + MARGIN:
        return f"{(speed - 1) * 100:.0f}% faster"
    return "on par"


def title(case):
    # A "|" would end the markdown cell.
    t = case["title"].replace("|", "\\|")
    if case["id"].startswith("seq_") or case["id"].startswith("fault_") \
            or case["id"] == "memcpy":
        return f"{t}, {fmt_size(case['size'])}"
    if case["id"].startswith("seal_"):
        return f"{t}, {fmt_size(case['size'])} file"
    return t


def table(res):
    cases = res["cases"]
    memcpy = next((c for c in cases if c["id"] == "memcpy"), None)
    mem_gib = res["mem_bytes"] / (1 << 30)
    accel = res["accel"].upper()
    lines = [
        f"# sealfs vs memfd ({res['mode']} run)",
        "",
        f"- date: {res['date']}",
        f"- kernel: {res['kernel']} ({res['machine']})",
        f"- accelerator: {accel}",
        f"- guest: {res['cpus']} CPUs, {mem_gib:.1f} GiB of memory; "
        f"shmem THP: {res['shmem_thp']}",
        f"- host: {res.get('host') or 'not recorded'}",
        f"- runs per case: {res['reps']}, memfd then sealfs in each; each "
        f"cell is the median ± half the range of the runs; the benchmark "
        f"took {res['elapsed_s']:.0f} s",
        "- ratio = sealfs / memfd (above 1 is better for sealfs, except "
        "latencies, where below 1 is); vs memcpy = that side's throughput "
        "over memcpy's",
    ]
    if accel != "KVM":
        lines.append(
            f"- **Under {accel} (emulated CPU) the absolute figures mean "
            "little: the ratios, measured side by side in the same boot, "
            "are what count.**")
    lines += [
        "",
        "| case | memfd | sealfs | sealfs/memfd | sealfs is | "
        "memfd/memcpy | sealfs/memcpy |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for c in cases:
        if c["id"] == "memcpy":
            lines.append(
                f"| {title(c)} | {cell(c['memfd'], c['unit'])} | (reference) "
                f"| | | 1 | 1 |")
            continue
        ratio = c["sealfs"]["median"] / c["memfd"]["median"]
        if c["throughput"] and memcpy:
            ref = memcpy["memfd"]["median"]
            vs = (f"{c['memfd']['median'] / ref:.2f} | "
                  f"{c['sealfs']['median'] / ref:.2f}")
        else:
            vs = " | "
        lines.append(
            f"| {title(c)} | {cell(c['memfd'], c['unit'])} | "
            f"{cell(c['sealfs'], c['unit'])} | {ratio:.2f} | {verdict(c)} "
            f"| {vs} |")
    faults = [c for c in cases if "page_faults" in c["memfd"]]
    if faults:
        lines += ["", "Page faults taken in the first run (faults/s above "
                  "counts pages touched; fault-around maps up to 16 present "
                  "pages per fault):", ""]
        for c in faults:
            lines.append(
                f"- {c['id']}: memfd {int(c['memfd']['page_faults'][0])}, "
                f"sealfs {int(c['sealfs']['page_faults'][0])} "
                f"for {c['size'] // 4096} pages")
    return "\n".join(lines) + "\n"


def plot(res, path):
    try:
        import matplotlib
    except ImportError:
        sys.exit("render.py: matplotlib is missing, so no plot: install it "
                 "(Debian: apt-get install python3-matplotlib; tools/setup.sh "
                 f"does) and run {sys.executable} with it")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seals = sorted((c for c in res["cases"] if c["id"].startswith("seal_")),
                   key=lambda c: c["size"])
    if not seals:
        sys.exit("render.py: no seal latency cases in the results")
    sizes = [c["size"] / (1 << 20) for c in seals]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for kind, marker in (("memfd", "o"), ("sealfs", "s")):
        med = [c[kind]["median"] for c in seals]
        lo = [c[kind]["median"] - c[kind]["min"] for c in seals]
        hi = [c[kind]["max"] - c[kind]["median"] for c in seals]
        ax.errorbar(sizes, med, yerr=[lo, hi], marker=marker, capsize=4,
                    label=kind)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([fmt_size(c["size"]) for c in seals])
    ax.set_xlabel("file size (all pages present, no pins)")
    ax.set_ylabel("ADD_SEALS(F_SEAL_WRITE) latency (µs)")
    ax.set_title(f"Write-seal latency vs file size: {res['kernel']}, "
                 f"{res['accel'].upper()}, {res['cpus']} CPUs",
                 fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    note = "median, bars: min–max of %d runs" % res["reps"]
    if res["accel"].upper() != "KVM":
        note += "; emulated CPU: compare the lines, not the values"
    fig.text(0.01, 0.01, note, fontsize=7, alpha=0.7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--md")
    ap.add_argument("--png")
    args = ap.parse_args()
    with open(args.json) as f:
        res = json.load(f)
    md = table(res)
    sys.stdout.write(md)
    if args.md:
        with open(args.md, "w") as f:
            f.write(md)
    if args.png:
        plot(res, args.png)
        print(f"render.py: wrote {args.png}")


if __name__ == "__main__":
    main()
