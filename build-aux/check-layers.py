#!/usr/bin/env python3
"""check-layers OBJDIR: no call cycle between the modules (object files).

Each object's undefined symbols are matched, through `nm`, to the object
that defines them; a module graph with a cycle (two modules that reach each
other, directly or through others) means an arrow points back up the
layering.  Prints each cycle with the symbols that close it; exits 1 if
there is one, 2 if it cannot run.
"""
import glob
import os
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True,
                         check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDRBCV":
            defined.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            undefined.add(f[1])
    return defined, undefined


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    if len(sys.argv) != 2:
        print("usage: check-layers.py OBJDIR", file=sys.stderr)
        return 2
    objs = sorted(glob.glob(os.path.join(sys.argv[1], "*.o")))
    if not objs:
        print("check-layers: no objects in " + sys.argv[1], file=sys.stderr)
        return 2
    owner, needs = {}, {}
    for o in objs:
        mod = os.path.basename(o)[:-2]
        defined, needs[mod] = symbols(o)
        for s in defined:
            owner[s] = mod
    graph = {m: {owner[s] for s in u if owner.get(s, m) != m}
             for m, u in needs.items()}
    bad = cycles(graph)
    for comp in bad:
        print("call cycle: " + " ".join(comp))
        for a in comp:
            for b in sorted(graph[a] & set(comp)):
                syms = sorted(s for s in needs[a] if owner.get(s) == b)
                print("  %s -> %s: %s" % (a, b, ", ".join(syms)))
    if bad:
        return 1
    print("layers: ok (%d modules, no call cycle)" % len(objs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
