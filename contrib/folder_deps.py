#!/usr/bin/env python3
"""Which folder of Sources/Ringback uses which: the dependency list docs/architecture.md shows.

A folder uses another when one of its files names a type (struct, enum, class, actor, protocol) declared at the top
level of a file in the other. Comments and string literals are ignored. Cycles (A uses B and B uses A) are listed
last: they are what the pipeline redesign removes.

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
    cycles = sorted({tuple(sorted((a, b))) for a in folders for b in uses[a] if a in uses[b]})
    print()
    print("two-way:", ", ".join(f"{a} <-> {b}" for a, b in cycles) if cycles else "none")
    if "--check" in sys.argv and cycles:
        sys.exit(1)


if __name__ == "__main__":
    main()
