#!/usr/bin/env python3
"""Turns the text of `ncu --print-summary per-kernel` (build.sh step model-ncu) into one markdown
table: a row per kernel, the most total time first — invocations, average duration, its share of
the profiled kernels' time, SM and memory throughput (% of peak), achieved occupancy, registers.
Usage: tools/device/ncu-summary.py NCU_OUTPUT.txt"""
import re
import sys

UNITS = {"ns": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3, "s": 1e6, "second": 1e6, "nsecond": 1e-3}
WANTED = {"Duration": "dur", "Compute (SM) Throughput": "sm", "Memory Throughput": "mem",
          "Achieved Occupancy": "occ", "Registers Per Thread": "regs"}


def parse(lines):
    kernels, cur = [], None
    for line in lines:
        text = line.rstrip("\n")
        stripped = text.strip()
        if not stripped or stripped.startswith(("Section:", "---", "Metric Name", "==PROF==", "==WARNING==", "OPT ", "INF ", "WRN ")):
            continue
        head = re.match(r"^\s*(.+?)\s+\(\d+, \d+, \d+\)x\(\d+, \d+, \d+\).*$", text)
        if head:
            cur = {"name": head.group(1), "calls": None}
            kernels.append(cur)
            inv = re.search(r"Invocations:?\s*(\d+)", text)
            if inv:
                cur["calls"] = int(inv.group(1))
            continue
        if cur is None:
            continue
        inv = re.match(r"^\s*Invocations:?\s+(\d+)", text)
        if inv:
            cur["calls"] = int(inv.group(1))
            continue
        for label, key in WANTED.items():
            if stripped.startswith(label + " ") and key not in cur:
                rest = stripped[len(label):].split()
                try:
                    unit = rest[0] if not re.match(r"^[\d.,]+$", rest[0]) else ""
                    value = float(rest[-1].replace(",", ""))  # the Average column (or the only value)
                except (ValueError, IndexError):
                    break
                if key == "dur":
                    value *= UNITS.get(unit, 1.0)
                cur[key] = value
                break
    return kernels


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], errors="replace") as f:
        kernels = [k for k in parse(f) if "dur" in k]
    merged = {}
    for k in kernels:  # the same kernel name under several launch shapes: one row
        m = merged.setdefault(k["name"], {"name": k["name"], "calls": 0, "total": 0.0, "w": {}})
        calls = k["calls"] or 1
        m["calls"] += calls
        m["total"] += k["dur"] * calls
        for key in ("sm", "mem", "occ", "regs"):
            if key in k:
                m["w"].setdefault(key, []).append((k[key], k["dur"] * calls))
    rows = sorted(merged.values(), key=lambda m: -m["total"])
    total = sum(m["total"] for m in rows) or 1.0

    def weighted(m, key):
        pairs = m["w"].get(key)
        if not pairs:
            return "–"
        w = sum(t for _, t in pairs) or 1.0
        return f"{sum(v * t for v, t in pairs) / w:.0f}"

    print(f"{len(kernels)} kernel launch groups, {sum(m['calls'] for m in rows)} launches, {total / 1e3:.2f} ms of kernel time profiled")
    print()
    print("| kernel | launches | avg µs | share | SM % | memory % | occupancy % | registers |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for m in rows[:20]:
        name = m["name"] if len(m["name"]) <= 90 else m["name"][:87] + "..."
        name = name.replace("|", "\\|")
        print(f"| `{name}` | {m['calls']} | {m['total'] / m['calls']:.1f} | {100 * m['total'] / total:.1f} % | "
              f"{weighted(m, 'sm')} | {weighted(m, 'mem')} | {weighted(m, 'occ')} | {weighted(m, 'regs')} |")


if __name__ == "__main__":
    main()
