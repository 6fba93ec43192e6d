"""scripts/plot-energy through its command line, one CTest test per case:

    python3 test_plot_energy.py CASE SCRIPT REGRESSION_DIR WORK_DIR

CASE is one of the functions named in CASES. The runs plotted are golden `emsim run` outputs
(scenarios/regression/<name>/expected/); everything written goes under WORK_DIR (the build tree),
never into the goldens. Standard library only: the script itself finds matplotlib.
"""

import os
import shutil
import struct
import subprocess
import sys

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 8 * 1024
GOLDENS = ["power_retention", "dma_contention_at"]
POLICY_GOLDENS = ["iot_duty_cycle_none", "iot_duty_cycle_pack", "iot_duty_cycle_pack_retention"]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run(script, args, cwd):
    p = subprocess.run([sys.executable, script] + args, cwd=cwd, capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout + p.stderr


def check_png(path):
    check(os.path.isfile(path), f"{path}: not written")
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == PNG_MAGIC, f"{path}: not a PNG (starts {data[:8]!r})")
    check(data[12:16] == b"IHDR", f"{path}: no IHDR chunk first")
    width, height = struct.unpack(">II", data[16:24])
    check(width >= 400 and height >= 300, f"{path}: {width}x{height} is too small a figure")
    check(len(data) > MIN_PNG_BYTES, f"{path}: only {len(data)} bytes, expected a drawn figure")
    return data


def fresh(work, name):
    path = os.path.join(work, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def golden(cases, name):
    return os.path.join(cases, name, "expected")


def compare_two(script, cases, work):
    """Two goldens in one figure, written where -o says."""
    out_dir = fresh(work, "compare_two")
    out = os.path.join(out_dir, "compare.png")
    status, output = run(script, [golden(cases, g) for g in GOLDENS] + ["-o", out], out_dir)
    check(status == 0, f"exit status {status}, expected 0:\n{output}")
    check_png(out)


def default_outputs(script, cases, work):
    """One run: RUN_DIR/energy.png; several: ./energy-compare.png (on copies of the goldens)."""
    base = fresh(work, "default_outputs")
    copies = []
    for g in GOLDENS:
        copy = os.path.join(base, g)
        shutil.copytree(golden(cases, g), copy)
        copies.append(copy)
    status, output = run(script, [copies[0], "--title", "one run"], base)
    check(status == 0, f"one run: exit status {status}, expected 0:\n{output}")
    check_png(os.path.join(copies[0], "energy.png"))
    status, output = run(script, copies, base)
    check(status == 0, f"two runs: exit status {status}, expected 0:\n{output}")
    check_png(os.path.join(base, "energy-compare.png"))


def deterministic(script, cases, work):
    """The same inputs give the same PNG bytes (no date or version metadata)."""
    base = fresh(work, "deterministic")
    outs = [os.path.join(base, f"{i}.png") for i in range(2)]
    for out in outs:
        status, output = run(script, [golden(cases, g) for g in GOLDENS] + ["-o", out], base)
        check(status == 0, f"exit status {status}, expected 0:\n{output}")
    first, second = check_png(outs[0]), check_png(outs[1])
    check(first == second, f"{outs[0]} and {outs[1]} differ")


def compare_policies(script, cases, work):
    """The README figure's shape: one run per power policy, named with --labels."""
    out_dir = fresh(work, "compare_policies")
    out = os.path.join(out_dir, "policies.png")
    status, output = run(script, [golden(cases, g) for g in POLICY_GOLDENS] +
                         ["--labels", "none,pack,pack_retention", "-o", out], out_dir)
    check(status == 0, f"exit status {status}, expected 0:\n{output}")
    check_png(out)


def old_format(script, cases, work):
    """energy.csv as written before the region and per-state columns is still drawn."""
    base = fresh(work, "old_format")
    run_dir = os.path.join(base, "run")
    shutil.copytree(golden(cases, GOLDENS[0]), run_dir)
    csv_path = os.path.join(run_dir, "energy.csv")
    with open(csv_path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    old = [",".join(line.split(",")[:8]) for line in lines
           if not line.startswith(("*,", "owner:", '"owner:'))]
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write("\n".join(old) + "\n")
    status, output = run(script, [run_dir], base)
    check(status == 0, f"exit status {status}, expected 0:\n{output}")
    check_png(os.path.join(run_dir, "energy.png"))


def bad_labels(script, cases, work):
    base = fresh(work, "bad_labels")
    check_error(script, [golden(cases, g) for g in GOLDENS] + ["--labels", "only_one"], base,
                ["--labels", "2 names"])


def check_error(script, args, cwd, must_contain):
    status, output = run(script, args, cwd)
    check(status == 2, f"exit status {status}, expected 2:\n{output}")
    check("Traceback" not in output, f"a traceback instead of a message:\n{output}")
    for text in must_contain:
        check(text in output, f"the message does not name {text!r}:\n{output}")


def missing_folder(script, cases, work):
    base = fresh(work, "missing_folder")
    missing = os.path.join(base, "no_such_run")
    check_error(script, [missing], base, [missing, "no such folder"])
    # Also when it is the second of several, and nothing is written.
    check_error(script, [golden(cases, GOLDENS[0]), missing], base, [missing])
    check(not os.path.exists(os.path.join(base, "energy-compare.png")), "a PNG was written")


def missing_file(script, cases, work):
    base = fresh(work, "missing_file")
    run_dir = os.path.join(base, "run")
    shutil.copytree(golden(cases, GOLDENS[0]), run_dir)
    os.remove(os.path.join(run_dir, "energy.csv"))
    check_error(script, [run_dir], base, [os.path.join(run_dir, "energy.csv")])


def malformed_csv(script, cases, work):
    """A bad number and a short row: the file and the line are named."""
    base = fresh(work, "malformed_csv")
    run_dir = os.path.join(base, "run")
    shutil.copytree(golden(cases, GOLDENS[0]), run_dir)
    csv_path = os.path.join(run_dir, "energy.csv")
    with open(csv_path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    fields = lines[2].split(",")
    fields[3] = "12x4"  # dynamic_pj of the second window, line 3
    bad_number = lines[:2] + [",".join(fields)] + lines[3:]
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write("\n".join(bad_number) + "\n")
    check_error(script, [run_dir], base, [f"{csv_path}:3:", "dynamic_pj", "12x4"])
    short_row = lines[:4] + ["ram0,5"] + lines[4:]
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write("\n".join(short_row) + "\n")
    check_error(script, [run_dir], base, [f"{csv_path}:5:", "fields"])
    check(not os.path.exists(os.path.join(run_dir, "energy.png")), "a PNG was written")


CASES = {f.__name__: f for f in [compare_two, default_outputs, deterministic, missing_folder,
                                   missing_file, malformed_csv, compare_policies, old_format,
                                   bad_labels]}


def main(argv):
    if len(argv) != 4 or argv[0] not in CASES:
        print(f"usage: test_plot_energy.py {{{','.join(CASES)}}} SCRIPT REGRESSION_DIR WORK_DIR",
              file=sys.stderr)
        return 2
    case, script, cases, work = argv
    try:
        CASES[case](os.path.abspath(script), os.path.abspath(cases), os.path.abspath(work))
    except Failure as e:
        print(f"FAIL {case}: {e}", file=sys.stderr)
        return 1
    print(f"ok {case}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
