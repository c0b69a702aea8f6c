#!/usr/bin/python3
"""Where a profile spent its CPU, from async-profiler's collapsed stacks (one line per stack:
"frame;frame;... count"): the frames on top of the stack (self), then the frames anywhere on it
(inclusive) that match a pattern. Standard library only.

    bench/profile/stacks_top.py profile.collapsed [pattern]    pattern: a regex; default Loopline, Vert.x Web, OpenAPI, Micrometer
    bench/profile/stacks_top.py profile.collapsed --callers F   the call chains that reach frame F
"""
import collections
import re
import sys


def stacks(path):
    with open(path) as lines:
        for line in lines:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack:
                yield stack.split(";"), int(count)


def short(frame):
    return ".".join(frame.replace("/", ".").split(".")[-2:])


def main():
    path = sys.argv[1]
    total = sum(count for _, count in stacks(path))
    print(f"{total} samples")
    if len(sys.argv) > 3 and sys.argv[2] == "--callers":
        chains = collections.Counter()
        for frames, count in stacks(path):
            for i in range(len(frames) - 1, -1, -1):
                if sys.argv[3] in frames[i]:
                    chains[" <- ".join(short(f) for f in reversed(frames[max(0, i - 6):i + 1]))] += count
                    break
        for chain, count in chains.most_common(15):
            print(f"{100 * count / total:5.1f}% {chain}")
        return
    pattern = re.compile(sys.argv[2] if len(sys.argv) > 2 else r"io.loopline|vertx.ext.web|vertx.openapi|micrometer")
    own, inclusive = collections.Counter(), collections.Counter()
    for frames, count in stacks(path):
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    print("== self")
    for frame, count in own.most_common(25):
        print(f"{100 * count / total:5.1f}% {frame[:150]}")
    print("== inclusive, matching " + pattern.pattern)
    shown = [(f, c) for f, c in inclusive.most_common() if pattern.search(f.replace("/", "."))][:40]
    for frame, count in shown:
        print(f"{100 * count / total:5.1f}% {frame[:150]}")


if __name__ == "__main__":
    main()
