#!/usr/bin/env python3
"""Joins mno's bench JSON with the authors' (tools/parity/authors_bench.py) into markdown tables, side
by side: whole models (`mno bench model --json`) and the selective scan (`mno bench scan --json`
against mamba_ssm's selective_scan_fn). Standard library only.

Usage:
    python3 tools/parity/join_bench.py [--ours-model F] [--authors-model F] [--ours-scan F]
        [--authors-scan F] [--authors-build F] [--out FILE.md]

Each table is written when both of its files are given; a missing file is an error, a row present on
one side only shows "–" on the other. Rows are matched by config stem (configs/darcy/gt_mamba.yaml
<-> gt_mamba) and by scan shape letter ("(a)", ...; fp32 rows of mno's table only).
  speed-up     = authors' ms / ours (> 1: mno is faster)
  memory ratio = ours' peak bytes / the authors' (< 1: mno uses less)
"""
import argparse
import json
import os
import sys


def load(path, what):
    if not os.path.isfile(path):
        sys.exit(f"join_bench: {what} file {path} does not exist")
    try:
        with open(path) as f:
            data = json.load(f)
    except ValueError as error:
        sys.exit(f"join_bench: {path} is not JSON ({error})")
    if not isinstance(data.get("rows"), list):
        sys.exit(f"join_bench: {path} has no list 'rows' (is it the output of the right command?)")
    return data


def stem(config):
    name = os.path.basename(str(config))
    return name[:-5] if name.endswith(".yaml") else name


def number(row, key):
    value = row.get(key) if row else None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else None


def ms(value, digits=1):
    return "–" if value is None else f"{value:.{digits}f}"


def mb(value):
    return "–" if value is None else f"{value / 1e6:.0f}"


def ratio(numerator, denominator, digits=2):
    if numerator is None or denominator is None or denominator == 0:
        return "–"
    return f"{numerator / denominator:.{digits}f}×"


def where(data):
    parts = [str(data.get(k)) for k in ("device", "torch", "date") if data.get(k)]
    return ", ".join(parts) or "unknown machine"


def model_table(ours, authors):
    ours_rows = {stem(r.get("config")): r for r in ours["rows"]}
    authors_rows = {stem(r.get("config")): r for r in authors["rows"]}
    names = list(ours_rows) + [n for n in authors_rows if n not in ours_rows]
    s = (f"Whole models, batch {ours.get('batch', '?')} / {authors.get('batch', '?')} (ours / authors), "
         f"{ours.get('side', '?')}² grid, fp32, AdamW + MSE step; ours: `{ours.get('command', 'mno bench model')}` "
         f"({where(ours)}, median of {ours.get('repeats', '?')}); authors: their PyTorch classes + mamba_ssm "
         f"({where(authors)}, median of {authors.get('repeats', '?')}). Peak: max allocated bytes over one "
         "step. Speed-up = authors' ms / ours; memory ratio = ours / authors.\n\n")
    if ours.get("device") and authors.get("device") and ours["device"] != authors["device"]:
        s += f"**Different devices: {ours['device']} vs {authors['device']}.**\n\n"
    s += ("| config | parameters ours / authors | ours step ms / peak MB | authors step ms / peak MB | "
          "step speed-up | memory ratio | fwd speed-up | fwd+bwd speed-up |\n")
    s += "|---|---|---:|---:|---:|---:|---:|---:|\n"
    for name in names:
        o, a = ours_rows.get(name), authors_rows.get(name)
        if a and "error" in a:
            note = f" (authors failed: {a['error'][:80]})"
            a = None
        else:
            note = ""
        params_o, params_a = number(o, "parameters"), number(a, "parameters")
        params = f"{params_o if params_o is not None else '–'} / {params_a if params_a is not None else '–'}"
        if params_o is not None and params_a is not None and params_o != params_a:
            params += " **differ**"
        s += (f"| {name}{note} | {params} | {ms(number(o, 'train_step_ms'))} / {mb(number(o, 'peak_bytes'))} | "
              f"{ms(number(a, 'train_step_ms'))} / {mb(number(a, 'peak_bytes'))} | "
              f"{ratio(number(a, 'train_step_ms'), number(o, 'train_step_ms'))} | "
              f"{ratio(number(o, 'peak_bytes'), number(a, 'peak_bytes'))} | "
              f"{ratio(number(a, 'forward_ms'), number(o, 'forward_ms'))} | "
              f"{ratio(number(a, 'forward_backward_ms'), number(o, 'forward_backward_ms'))} |\n")
    return s


def shape_key(shape):
    text = str(shape).strip()
    return text.split()[0] if text else text


def scan_table(ours, authors):
    authors_rows = {shape_key(r.get("shape")): r for r in authors["rows"]}
    ours_rows = [r for r in ours["rows"] if r.get("dtype", "fp32") == "fp32"]
    s = (f"Selective scan, fp32, N 16, softplus, delta_bias, D, no z. Ours: `{ours.get('command', 'mno bench scan')}` "
         f"({where(ours)}; K = directions of our fused kernel, on the same C channels); mamba_ssm: selective_scan_fn, "
         f"directions 1 ({where(authors)}). Speed-up = mamba_ssm ms / ours.\n\n")
    s += ("| shape | batch×C×L, G | ours K | ours fwd ms | mamba_ssm fwd ms | fwd speed-up | ours fwd+bwd ms | "
          "mamba_ssm fwd+bwd ms | fwd+bwd speed-up |\n")
    s += "|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
    seen = set()
    for o in ours_rows:
        key = shape_key(o.get("shape"))
        seen.add(key)
        a = authors_rows.get(key)
        dims = f"{o.get('batch')}×{o.get('channels')}×{o.get('length')}, G {o.get('groups')}"
        if a and (a.get("channels"), a.get("length"), a.get("groups")) != (o.get("channels"), o.get("length"),
                                                                          o.get("groups")):
            dims += " **shapes differ**"
        s += (f"| {o.get('shape')} | {dims} | {o.get('directions', '?')} | {ms(number(o, 'forward_ms'), 3)} | "
              f"{ms(number(a, 'forward_ms'), 3)} | {ratio(number(a, 'forward_ms'), number(o, 'forward_ms'))} | "
              f"{ms(number(o, 'forward_backward_ms'), 3)} | {ms(number(a, 'forward_backward_ms'), 3)} | "
              f"{ratio(number(a, 'forward_backward_ms'), number(o, 'forward_backward_ms'))} |\n")
    for key, a in authors_rows.items():
        if key not in seen:
            s += (f"| {a.get('shape')} | {a.get('batch')}×{a.get('channels')}×{a.get('length')}, G {a.get('groups')} | – | "
                  f"– | {ms(number(a, 'forward_ms'), 3)} | – | – | {ms(number(a, 'forward_backward_ms'), 3)} | – |\n")
    return s


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ours-model", help="mno bench model --json output")
    p.add_argument("--authors-model", help="authors_bench.py models --json output")
    p.add_argument("--ours-scan", help="mno bench scan --device cuda --json output")
    p.add_argument("--authors-scan", help="authors_bench.py scan --json output")
    p.add_argument("--authors-build", help="authors_bench.py build --json output (one line on the build)")
    p.add_argument("--out", help="markdown file (default: stdout only)")
    args = p.parse_args()
    sections = []
    if bool(args.ours_model) != bool(args.authors_model) or bool(args.ours_scan) != bool(args.authors_scan):
        p.error("give both files of a table: --ours-model with --authors-model, --ours-scan with --authors-scan")
    if args.ours_model:
        sections.append(model_table(load(args.ours_model, "mno bench model"), load(args.authors_model, "authors' model")))
    if args.ours_scan:
        sections.append(scan_table(load(args.ours_scan, "mno bench scan"), load(args.authors_scan, "authors' scan")))
    if args.authors_build:
        with open(args.authors_build) as f:
            build = json.load(f)
        sections.append(f"mamba_ssm's selective_scan_cuda ({build.get('mamba_commit', '?')[:12]}) built for this run in "
                        f"{build.get('seconds', '?')} s on {build.get('cpus', '?')} cores (torch.utils.cpp_extension, "
                        f"setup.py's nvcc flags, one target).\n")
    if not sections:
        p.error("nothing to join: give --ours-model/--authors-model and/or --ours-scan/--authors-scan")
    text = "\n".join(sections)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
