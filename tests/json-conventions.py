#!/usr/bin/env python3
"""Check exitctl's JSON output against exitctl(8)'s OUTPUT CONVENTIONS.

usage: json-conventions.py FILE doc|lines

doc: the file is one JSON document; lines: one JSON document per line
(status --follow --json).  Prints one line per violation; exits 1 if any
(or if the file does not parse), else 0.
"""
import datetime
import json
import re
import sys

HEX_ID = re.compile(r'^[0-9a-f]{16}$')
ISO = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}'
                 r'(Z|[+-]\d{2}:\d{2})$')
TIME_KEYS = {'time', 'since', 'enqueued'}
# Names that say "a length of time": they must be *_ms.
DURATION = re.compile(r'(^|_)(window|wait|timeout|duration|elapsed|left|'
                      r'delay|interval|age)(_|$)')
ID_KEYS = {'operation', 'op'}


def walk(value, path, bad):
    """Collect the violations in value (reached by path) into bad."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            walk(item, '%s[%d]' % (path, i), bad)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        where = '%s.%s' % (path, key)
        if key in ID_KEYS or key.endswith('_operation'):
            if item is not None and not (isinstance(item, str) and
                                         HEX_ID.match(item)):
                bad.append('%s: operation id %r is not 16 lower-case hex '
                           'digits' % (where, item))
        elif key in TIME_KEYS or key.endswith('_at'):
            if item is None:
                pass
            elif not (isinstance(item, str) and ISO.match(item)):
                bad.append('%s: time %r is not ISO 8601 with milliseconds '
                           'and a zone' % (where, item))
            else:
                try:
                    datetime.datetime.fromisoformat(
                        item.replace('Z', '+00:00'))
                except ValueError as e:
                    bad.append('%s: time %r: %s' % (where, item, e))
        elif key.endswith('_ms'):
            if isinstance(item, bool) or not isinstance(item, int):
                bad.append('%s: duration %r is not an integer number of '
                           'milliseconds' % (where, item))
        elif DURATION.search(key):
            bad.append('%s: a duration not under a *_ms name' % where)
        walk(item, where, bad)


def main():
    path, mode = sys.argv[1], sys.argv[2]
    with open(path, encoding='ascii') as f:
        text = f.read()
    docs = [text] if mode == 'doc' else [l for l in text.splitlines() if l]
    if not docs:
        print('no JSON at all')
        return 1
    bad = []
    for i, doc in enumerate(docs):
        try:
            value = json.loads(doc)
        except ValueError as e:
            print('document %d does not parse: %s' % (i + 1, e))
            return 1
        walk(value, '$', bad)
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
