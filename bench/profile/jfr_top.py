#!/usr/bin/python3
"""Where a JFR recording spent its CPU samples: the methods on top of the stack (self), then the methods
anywhere on it (inclusive) that match a pattern. Standard library only.

    bench/profile/jfr_top.py recording.jfr [pattern]     pattern: a regex, default Loopline's and Vert.x Web's code
    bench/profile/jfr_top.py recording.jfr --callers M    the call chains that reach the method named M
"""
import collections
import re
import subprocess
import sys

FRAME = re.compile(r"^[\w$.<>]+\(.*\)\s+line:")


def samples(recording):
    text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", recording],
                          capture_output=True, text=True, check=True).stdout
    stacks, current = [], None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("jdk.ExecutionSample"):
            current = []
            stacks.append(current)
        elif current is not None and FRAME.match(line):
            current.append(re.sub(r"\(.*", "", line))
    return [s for s in stacks if s]


def short(method):
    parts = method.split(".")
    return ".".join(parts[-2:])


def main():
    stacks = samples(sys.argv[1])
    n = len(stacks)
    print(f"{n} samples")
    if len(sys.argv) > 3 and sys.argv[2] == "--callers":
        chains = collections.Counter()
        for stack in stacks:
            for i, frame in enumerate(stack):
                if sys.argv[3] in frame:
                    chains[" <- ".join(short(f) for f in stack[i:i + 7])] += 1
                    break
        for chain, count in chains.most_common(15):
            print(f"{100 * count / n:5.1f}% {chain}")
        return
    pattern = re.compile(sys.argv[2] if len(sys.argv) > 2 else r"io\.loopline|vertx\.ext\.web|vertx\.openapi|micrometer")
    own = collections.Counter(stack[0] for stack in stacks)
    print("== self")
    for method, count in own.most_common(25):
        print(f"{100 * count / n:5.1f}% {method}")
    inclusive = collections.Counter()
    for stack in stacks:
        for method in set(stack):
            inclusive[method] += 1
    print("== inclusive, matching " + pattern.pattern)
    shown = 0
    for method, count in inclusive.most_common():
        if pattern.search(method) and shown < 40:
            print(f"{100 * count / n:5.1f}% {method}")
            shown += 1


if __name__ == "__main__":
    main()
