#!/usr/bin/env python3
"""gen-dict.py: generates engine/store_dict.c, the preset deflate dictionary of the store.

Run by hand (never by the build) when the dictionary is to be rebuilt; the output is
committed. See doc/store.md for the method and the measurements.

    python3 engine/gen-dict.py ../shared/corpora/reuters21578.jsonl.gz -o engine/store_dict.c
    python3 engine/gen-dict.py CORPUS --report    # ratios on the training and held-out halves

The dictionary holds statistics of the corpus, not its articles: it is a list of short
strings, each of which occurs verbatim in at least --min-docs distinct articles. They are
picked the way zstd's COVER dictionary builder picks segments:
  1. every d-byte substring (d-gram) of the training articles gets a score, the number of
     distinct articles it occurs in (d-grams in fewer than --min-docs articles score 0);
  2. the training text is cut into as many epochs as the dictionary has k-byte segments;
     in each epoch the k-byte window with the highest sum of scores of its distinct d-grams
     is taken, and those d-grams' scores drop to 0 so later picks bring new strings;
  3. each pick is cut down to its runs of scoring d-grams, and every run is cut further
     until each piece occurs verbatim in at least --min-docs articles (longest prefix by
     binary search over the training text);
  4. the pieces go into the dictionary in reverse order of picking, so the most valuable
     strings sit at its end, nearest the text (deflate codes near matches in fewer bits and
     forgets the start of a full 32 KiB window first).
Each article is the compact JSON re-serialisation of its line, as the engine stores it.
Only the standard library is used. Deterministic for a given corpus and options.
"""
import argparse
import bisect
import gzip
import json
import sys
import zlib
from collections import Counter

DICT_ID = 1
DICT_NAME = "news-en-1"


def load(path):
    """The articles of a JSON Lines file (gzip or plain), each as compact JSON bytes."""
    opener = gzip.open if path.endswith(".gz") else open
    docs = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                obj = json.loads(line)
                docs.append(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())
    return docs


class DocCounter:
    """Counts the distinct training articles that contain a string, stopping at `cap`."""

    def __init__(self, docs):
        self.data = b"\0".join(docs)
        self.starts = []
        pos = 0
        for d in docs:
            self.starts.append(pos)
            pos += len(d) + 1

    def count(self, s, cap):
        n = pos = 0
        while n < cap:
            i = self.data.find(s, pos)
            if i < 0:
                break
            n += 1
            nxt = bisect.bisect_right(self.starts, i)
            if nxt >= len(self.starts):
                break
            pos = self.starts[nxt]
        return n


def split_frequent(piece, dc, min_docs, d, out):
    """Appends to `out` pieces of `piece` that each occur in >= min_docs articles."""
    while len(piece) >= d:
        if dc.count(piece, min_docs) >= min_docs:
            out.append(piece)
            return
        lo, hi = d, len(piece)
        if dc.count(piece[:lo], min_docs) < min_docs:
            piece = piece[1:]
            continue
        while lo < hi - 1:
            mid = (lo + hi) // 2
            if dc.count(piece[:mid], min_docs) >= min_docs:
                lo = mid
            else:
                hi = mid
        out.append(piece[:lo])
        piece = piece[lo - d + 2:]


def best_window(data, start, end, df, k, d, min_docs):
    """The k-byte window of data[start:end] with the highest score: (score, first, last)
    where first..last are the start offsets of its d-grams."""
    best = (0, 0, 0)
    win = Counter()
    score = 0
    nd = k - d + 1
    for i in range(start, end - d + 1):
        g = data[i:i + d]
        f = df.get(g, 0)
        if f >= min_docs:
            if win[g] == 0:
                score += f
            win[g] += 1
        j = i - nd
        if j >= start:
            h = data[j:j + d]
            fh = df.get(h, 0)
            if fh >= min_docs:
                win[h] -= 1
                if win[h] == 0:
                    score -= fh
        if score > best[0]:
            best = (score, max(start, i - nd + 1), i)
    return best


def scoring_runs(data, first, last, df, d, min_docs):
    """The runs of bytes in data[first:last+d] covered by scoring d-grams."""
    covered = [False] * (last + d - first)
    for i in range(first, last + 1):
        if df.get(data[i:i + d], 0) >= min_docs:
            for t in range(d):
                covered[i - first + t] = True
    runs, st = [], None
    for t, c in enumerate(covered + [False]):
        if c and st is None:
            st = t
        if not c and st is not None:
            runs.append(data[first + st:first + t])
            st = None
    return runs


def build(docs, size, k, d, min_docs):
    df = Counter()
    for doc in docs:
        df.update({doc[i:i + d] for i in range(len(doc) - d + 1)})
    dc = DocCounter(docs)
    data = dc.data
    nseg = max(1, size // k)
    epoch = len(data) // nseg
    pieces, total, e = [], 0, 0
    while total < size and e < nseg * 6:
        start = (e % nseg) * epoch
        end = min(len(data), start + epoch)
        e += 1
        score, first, last = best_window(data, start, end, df, k, d, min_docs)
        if score == 0:
            continue
        runs = scoring_runs(data, first, last, df, d, min_docs)
        for i in range(first, last + 1):
            g = data[i:i + d]
            if g in df:
                df[g] = 0
        for run in runs:
            ok = []
            split_frequent(run, dc, min_docs, d, ok)
            pieces.extend(ok)
            total += sum(map(len, ok))
    # Most valuable (first picked) last; a whole piece is dropped rather than cut at the
    # front, so every string kept still occurs in >= min_docs articles.
    kept, n = [], 0
    for p in pieces:
        if n + len(p) > size:
            break
        kept.append(p)
        n += len(p)
    return b"".join(reversed(kept))


def varint_len(n):
    size = 1
    while n >= 0x80:
        n >>= 7
        size += 1
    return size


def record_ratio(docs, zdict):
    """Total record size / total text size, with the store's exact per-record overhead:
    version, dictionary id, varint length, CRC32, raw deflate at level 9, memLevel 9."""
    out = raw = 0
    for doc in docs:
        kw = {"zdict": zdict} if zdict else {}
        c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, **kw)
        out += 2 + varint_len(len(doc)) + 4 + len(c.compress(doc) + c.flush())
        raw += len(doc)
    return out / raw


def c_source(dic, args, ndocs):
    """engine/store_dict.c holding the dictionary as escaped string literals."""
    lines = []
    cur = ""
    for b in dic:
        ch = chr(b)
        if ch in '"\\?':
            cur += "\\" + ch
        elif ch == "\n":
            cur += "\\n"
        elif 0x20 <= b < 0x7f:
            cur += ch
        else:
            cur += "\\%03o" % b
        if b == 0x0a or len(cur) >= 88:
            lines.append('    "%s"' % cur)
            cur = ""
    if cur:
        lines.append('    "%s"' % cur)
    body = "\n".join(lines)
    return f"""/*
 * store_dict.c: the preset deflate dictionaries of the article store (see store_dict.h).
 * GENERATED by engine/gen-dict.py; do not edit. Regenerate (about 3 CPU minutes) with
 *   python3 engine/gen-dict.py ../shared/corpora/reuters21578.jsonl.gz \\
 *       --train {args.train} -k {args.k} -d {args.d} --min-docs {args.min_docs} -o engine/store_dict.c
 * Dictionary {DICT_ID} ("{DICT_NAME}"): {len(dic)} bytes, learnt from {ndocs} articles
 * (the {args.train} lines) of {args.corpus.split('/')[-1]}. It is a list of frequent
 * strings (each occurs verbatim in at least {args.min_docs} distinct articles), most useful
 * last; no article is reproduced.
 * Called by store.c only. Records name their dictionary by id, so an id once shipped must
 * keep its bytes forever: add a new id rather than change this one.
 */
#include "store_dict.h"

static const char news_en_1[] =
{body};

static const store_dict dicts[] = {{
    {{{DICT_ID}, "{DICT_NAME}", (const unsigned char *)news_en_1, sizeof news_en_1 - 1}},
}};

const store_dict *store_dict_find(unsigned id)
{{
    for (size_t i = 0; i < sizeof dicts / sizeof dicts[0]; i++)
        if (dicts[i].id == id)
            return &dicts[i];
    return NULL;
}}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", help="JSON Lines file, optionally gzip-compressed")
    ap.add_argument("-o", "--output", help="write the C source here")
    ap.add_argument("--bin", help="also write the raw dictionary bytes here")
    ap.add_argument("--train", choices=["all", "odd", "even"], default="odd",
                    help="articles to learn from: odd lines (1-based; the default, which "
                    "keeps the even lines unseen for a held-out check), even, or all")
    ap.add_argument("--report", action="store_true",
                    help="print the record ratio on the training and held-out articles")
    ap.add_argument("--size", type=int, default=32768)
    ap.add_argument("-k", type=int, default=64, help="segment length")
    ap.add_argument("-d", type=int, default=8, help="d-gram length")
    ap.add_argument("--min-docs", type=int, default=25,
                    help="a kept string occurs in at least this many articles")
    args = ap.parse_args()
    docs = load(args.corpus)
    odd, even = docs[0::2], docs[1::2]  # line 1 is odd
    train = {"all": docs, "odd": odd, "even": even}[args.train]
    held = {"all": [], "odd": even, "even": odd}[args.train]
    dic = build(train, args.size, args.k, args.d, args.min_docs)
    print(f"gen-dict: {len(dic)} bytes from {len(train)} articles", file=sys.stderr)
    if args.bin:
        with open(args.bin, "wb") as f:
            f.write(dic)
    if args.output:
        with open(args.output, "w", encoding="ascii") as f:
            f.write(c_source(dic, args, len(train)))
    if args.report:
        print(f"train ({args.train}, {len(train)} articles): {record_ratio(train, dic):.4f}")
        if held:
            print(f"held out ({len(held)} articles): {record_ratio(held, dic):.4f}")
        print(f"all ({len(docs)} articles): {record_ratio(docs, dic):.4f}")
        print(f"all, no dictionary: {record_ratio(docs, b''):.4f}")


if __name__ == "__main__":
    main()
