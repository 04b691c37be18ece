#!/usr/bin/env python3
"""recipe.py README SECTION N: print the N-th (from 1) fenced code block
of the README section whose "## " heading is SECTION, as written there.
The scale-out tests run the README's recipes through this, so a README
change that breaks a recipe fails them.  Exit 1, with one line, if the
section or the block is not there."""

import sys


def main():
    if len(sys.argv) != 4:
        print("usage: recipe.py README SECTION N", file=sys.stderr)
        return 2
    path, section, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    inside = False
    fenced = False
    blocks = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not fenced and line.startswith("## "):
                inside = line[3:].strip() == section
                continue
            if not inside:
                continue
            if line.startswith("```"):
                fenced = not fenced
                if fenced:
                    blocks.append([])
                continue
            if fenced:
                blocks[-1].append(line)
    if n < 1 or n > len(blocks):
        print("recipe.py: %s: section '%s' has %d code blocks, no block %d"
              % (path, section, len(blocks), n), file=sys.stderr)
        return 1
    sys.stdout.write("".join(blocks[n - 1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
