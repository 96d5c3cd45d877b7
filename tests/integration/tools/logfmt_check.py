#!/usr/bin/env python3
"""tests/integration/tools/logfmt_check.py — is every log line of our daemons parseable as
key=value pairs? usage: logfmt_check.py LOG...

A line of log_msg() is "ts=... level=... component=..." (or "<N>component=..." under systemd)
followed by space-separated pairs: a lowercase key, '=', then a bare value (no space, quote or
'=') or a double-quoted one ("...", with \\" and \\\\ escapes). Other lines (the daemons' plain
"acsd: listening on ..." announcements, a tool's own output) are skipped. Prints each bad line
with the reason; exit 1 when there is one, 0 otherwise (also when no line was checked)."""
import re
import sys

PAIR = re.compile(r'[a-z][a-z0-9_]*=(?:"(?:[^"\\]|\\.)*"|[^\s"=]*)')


def problem(line):
    body = re.sub(r"^<[0-7]>", "", line)
    if not (body.startswith("ts=") or body.startswith("component=")):
        return None
    pos = 0
    while pos < len(body):
        m = PAIR.match(body, pos)
        if not m:
            return "not a key=value pair at column %d: %r" % (pos, body[pos:pos + 40])
        pos = m.end()
        if pos < len(body):
            if body[pos] != " ":
                return "value runs on at column %d: %r" % (pos, body[max(0, pos - 20):pos + 20])
            pos += 1
    return None


def main():
    bad = checked = 0
    for path in sys.argv[1:]:
        with open(path, errors="replace") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                why = problem(line)
                if why is None and not re.sub(r"^<[0-7]>", "", line).startswith(("ts=", "component=")):
                    continue
                checked += 1
                if why:
                    bad += 1
                    print("%s:%d: %s\n  %s" % (path, n, why, line))
    print("%d lines checked, %d not parseable" % (checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
