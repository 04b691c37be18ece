#!/usr/bin/env python3
"""The cost of --export-profile srgb on Display P3 photos.

  bench/colour.py IMGPIPE MKICC CORPUS_DIR WORK_DIR [ROUNDS]

Makes P3-tagged copies of CORPUS_DIR's JPEGs with imgpipe itself
(--export-profile p3.icc: the pixels converted from sRGB and the profile
embedded, as a phone writes them), then times the thumbnail job on those
copies with the default --export-profile keep (no transform) and with
--export-profile srgb, interleaved (keep, srgb, srgb, keep, ...) for ROUNDS
rounds (default 5) after one warm-up, and prints one line

  colour=p3 images=N rounds=R keep_s=MEDIAN srgb_s=MEDIAN ratio=MEDIAN other_cpu=P%

where ratio is the median of the per-round srgb / keep wall times and
other_cpu the share of the machine's CPU time that other processes used
while the rounds ran (/proc/stat, less these runs' own), then one sentence
saying whether the ratio is inside the 15% budget and whether other work
may have moved it.  Standard library only.
"""

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

import report

JOB = ["-p", "resize=800x800,sharpen=0.6", "-q", "85", "--quiet"]


def own_cpu_s():
    """CPU seconds the finished imgpipe runs of this script have used."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd):
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


def main(argv):
    if len(argv) not in (5, 6):
        sys.exit(__doc__)
    imgpipe, mkicc, corpus, work = argv[1:5]
    rounds = int(argv[5]) if len(argv) == 6 else 5
    src = os.path.join(work, "src")
    p3 = os.path.join(work, "p3")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(src)
    for name in sorted(os.listdir(corpus)):
        if name.lower().endswith((".jpg", ".jpeg")):
            os.symlink(os.path.abspath(os.path.join(corpus, name)),
                       os.path.join(src, name))
    icc = os.path.join(work, "p3.icc")
    subprocess.run([mkicc, "p3", icc], check=True)
    subprocess.run([imgpipe, src, p3, "--export-profile", icc, "-q", "92",
                    "--quiet"], check=True)
    n = len(os.listdir(p3))
    base = [imgpipe, p3, os.path.join(work, "out")] + JOB
    cmds = {"keep": base, "srgb": base + ["--export-profile", "srgb"]}
    times = {"keep": [], "srgb": []}
    busy0, own0, t0 = report.busy_s(), own_cpu_s(), time.monotonic()
    for r in range(rounds + 1):
        order = ["keep", "srgb"] if r % 2 == 0 else ["srgb", "keep"]
        for k in order:
            t = run(cmds[k])
            if r > 0:
                times[k].append(t)
    wall = time.monotonic() - t0
    other = max(0.0, report.busy_s() - busy0 - (own_cpu_s() - own0))
    other_pct = 100 * other / (wall * (os.cpu_count() or 1))
    ratio = statistics.median(s / k for s, k in zip(times["srgb"],
                                                     times["keep"]))
    print(f"colour=p3 images={n} rounds={rounds} "
          f"keep_s={statistics.median(times['keep']):.3f} "
          f"srgb_s={statistics.median(times['srgb']):.3f} ratio={ratio:.3f} "
          f"other_cpu={other_pct:.0f}%")
    verdict = (f"--export-profile srgb added {100 * (ratio - 1):.1f}% to the "
               f"thumbnail job on Display P3 photos: "
               + ("inside" if ratio <= 1.15 else "over") + " the 15% budget")
    if other_pct >= 10:
        verdict += (f"; other work used {other_pct:.0f}% of the machine "
                    "meanwhile, so the ratio may be off by several points: "
                    "rerun on an idle machine")
    print(verdict + ".")


if __name__ == "__main__":
    main(sys.argv)
