#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Render the JSON of sealfs-bench: a markdown table and a PNG plot.

    render.py RESULTS.json [--md OUT.md] [--png OUT.png]

Two tables (printed, and written to OUT.md), one row per case, each cell
the median and spread of the runs: sealfs with huge=never against memfd
(the same 4 KiB pages, so the same shmem code: parity is the goal), and
sealfs's default (huge=within_size) against memfd as booted and memfd with
shmem_enabled=always, with each one's ratio to memcpy for the throughput
rows.  The plot shows the latency of ADD_SEALS(F_SEAL_WRITE) against the
file size for the four kinds of file.
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


# The kinds of file of sealfs-bench, as its JSON names them.
KINDS = (("memfd", "memfd"), ("sealfs_never", "sealfs huge=never"),
         ("memfd_always", "memfd shmem_enabled=always"), ("sealfs", "sealfs"))


def verdict(case, mine="sealfs", theirs="memfd"):
    """How `mine` compares, from its point of view (>10% is a finding)."""
    r = case[mine]["median"] / case[theirs]["median"]
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


# Cases measured once as a reference, not as one of the four kinds.
REFERENCES = ("memcpy", "create_seal_tmpfs")


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
        f"- runs per case: {res['reps']}, the four kinds in turn in each; "
        f"each cell is the median ± half the range of the runs; the "
        f"benchmark took {res['elapsed_s']:.0f} s",
        "- ratio = sealfs / memfd (above 1 is better for sealfs, except "
        "latencies, where below 1 is); vs memcpy = that side's throughput "
        "over memcpy's",
    ]
    if accel != "KVM":
        lines.append(
            f"- **Under {accel} (emulated CPU) the absolute figures mean "
            "little: the ratios, measured side by side in the same boot, "
            "are what count.**")
    memcpy_ref = memcpy["memfd"]["median"] if memcpy else None
    lines += [
        "",
        "## The same pages: sealfs huge=never against memfd",
        "",
        "Both keep 4 KiB pages (memfd: shmem_enabled as booted), so both "
        "run the same shmem code: parity is the goal.",
        "",
        "| case | memfd | sealfs huge=never | sealfs/memfd | sealfs is |",
        "|---|---:|---:|---:|---|",
    ]
    for c in cases:
        if c["id"] in REFERENCES:
            continue
        lines.append(
            f"| {title(c)} | {cell(c['memfd'], c['unit'])} | "
            f"{cell(c['sealfs_never'], c['unit'])} | "
            f"{c['sealfs_never']['median'] / c['memfd']['median']:.2f} | "
            f"{verdict(c, 'sealfs_never')} |")
    create = next((c for c in cases if c["id"] == "create_seal"), None)
    tmpfs = next((c for c in cases if c["id"] == "create_seal_tmpfs"), None)
    if create and tmpfs:
        ref = tmpfs["memfd"]["median"]
        lines += [
            "",
            "The creation row is not the same work on both sides: the file "
            "of sealfs huge=never is named and unlinked (a path walk, a "
            "name, an unlink), memfd_create makes no name.  Reference, in "
            "this boot: the same on a named, unlinked file of a tmpfs with "
            f"huge=never, {cell(tmpfs['memfd'], tmpfs['unit'])}, "
            f"{ref / create['memfd']['median']:.2f} of memfd's rate; "
            "sealfs huge=never against it: "
            f"{create['sealfs_never']['median'] / ref:.2f}.",
        ]
    if any(c["id"].startswith("step_") for c in cases):
        lines += [
            "",
            "The step rows time the creation row's four steps apart, on "
            "batches of open files.  Each step of a sealfs file works on two "
            "inodes, its own and its backing shmem file's, where memfd has "
            "one: creation and close make and free two inodes, dentries and "
            "files; ftruncate and the seals change both.",
        ]
    lines += [
        "",
        "## Defaults: sealfs (huge=within_size) against memfd, as booted "
        "and with shmem_enabled=always",
        "",
        "| case | memfd | memfd always | sealfs | sealfs/memfd | sealfs is "
        "| sealfs/memfd always | memfd/memcpy | sealfs/memcpy |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for c in cases:
        if c["id"] == "create_seal_tmpfs":
            continue
        if c["id"] == "memcpy":
            lines.append(
                f"| {title(c)} | {cell(c['memfd'], c['unit'])} | (reference) "
                f"| | | | | 1 | 1 |")
            continue
        ratio = c["sealfs"]["median"] / c["memfd"]["median"]
        always = c["sealfs"]["median"] / c["memfd_always"]["median"]
        if c["throughput"] and memcpy_ref:
            vs = (f"{c['memfd']['median'] / memcpy_ref:.2f} | "
                  f"{c['sealfs']['median'] / memcpy_ref:.2f}")
        else:
            vs = " | "
        lines.append(
            f"| {title(c)} | {cell(c['memfd'], c['unit'])} | "
            f"{cell(c['memfd_always'], c['unit'])} | "
            f"{cell(c['sealfs'], c['unit'])} | {ratio:.2f} | {verdict(c)} "
            f"| {always:.2f} | {vs} |")
    faults = [c for c in cases if "page_faults" in c["memfd"]]
    if faults:
        lines += ["", "Page faults taken in the first run (faults/s above "
                  "counts pages touched; fault-around maps up to 16 present "
                  "pages per fault, a huge page 512):", ""]
        for c in faults:
            taken = ", ".join(f"{label} {int(c[kind]['page_faults'][0])}"
                              for kind, label in KINDS)
            lines.append(f"- {c['id']}: {taken} for {c['size'] // 4096} pages")
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
    for (kind, label), marker in zip(KINDS, ("o", "v", "^", "s")):
        med = [c[kind]["median"] for c in seals]
        lo = [c[kind]["median"] - c[kind]["min"] for c in seals]
        hi = [c[kind]["max"] - c[kind]["median"] for c in seals]
        ax.errorbar(sizes, med, yerr=[lo, hi], marker=marker, capsize=4,
                    label=label)
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
