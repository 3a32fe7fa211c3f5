#!/usr/bin/env python3
"""Which folder of Sources/Ringback uses which: the dependency list docs/architecture.md shows.

A folder uses another when one of its files names a type (struct, enum, class, actor, protocol) declared at the top
level of a file in the other. Comments and string literals are ignored. Then the folders in layers, each using only
folders of the layers before it; a cycle of any length (A uses B, B uses C, C uses A) is listed instead.
The values every folder shares are a target of their own (Sources/RingbackCore), which the compiler keeps a leaf.

Usage: contrib/folder_deps.py [--check]   (--check exits 1 when there is a cycle)
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "Ringback")
DECLARATION = re.compile(r"^(?:public |internal |fileprivate |private |final |indirect )*(?:struct|enum|class|actor|protocol)\s+([A-Z]\w*)", re.M)


def strip(text):
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'"""(?:.|\n)*?"""', '""', text)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)


def main():
    folders = sorted(d for d in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, d)))
    sources = {f: [strip(open(os.path.join(ROOT, f, n), encoding="utf-8").read())
                   for n in sorted(os.listdir(os.path.join(ROOT, f))) if n.endswith(".swift")] for f in folders}
    owner = {}
    for folder, texts in sources.items():
        for text in texts:
            for name in DECLARATION.findall(text):
                owner.setdefault(name, folder)
    uses = {f: set() for f in folders}
    for folder, texts in sources.items():
        words = set(re.findall(r"\b[A-Z]\w*\b", "\n".join(texts)))
        uses[folder] = {owner[w] for w in words if w in owner and owner[w] != folder}
    for folder in folders:
        print(f"{folder:14} -> {', '.join(sorted(uses[folder])) or '(nothing)'}")
    # Layers: peel off the folders whose uses are all in earlier layers; what never peels off sits on a cycle.
    placed, layers = set(), []
    while len(placed) < len(folders):
        layer = [f for f in folders if f not in placed and uses[f] <= placed]
        if not layer:
            break
        layers.append(layer)
        placed |= set(layer)
    print()
    for number, layer in enumerate(layers, 1):
        print(f"layer {number}: {', '.join(layer)}")
    stuck = [f for f in folders if f not in placed]
    if stuck:
        print("not layered (on a cycle, or using a folder on one):", ", ".join(stuck))
        print("two-way:", ", ".join(f"{a} <-> {b}" for a in stuck for b in sorted(uses[a]) if a < b and a in uses[b]) or "none (longer cycles)")
    if "--check" in sys.argv and stuck:
        sys.exit(1)


if __name__ == "__main__":
    main()
