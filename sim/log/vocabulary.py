"""The text of an event log as integer codes: one vocabulary per log.

The six text columns (workflow, activity, kind, role, resource, outcome)
hold a few hundred distinct values over hundreds of thousands of records.
A log stores each value once, in its vocabulary, and each cell as the
value's code (int32): the engine codes its rows as it records them, the
analysis compares integers (a value's code is looked up once), and the
files write the codes as Arrow dictionary columns. One vocabulary serves
all six columns, so a value has one code whichever column holds it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

#: The codes' array type: a few hundred values need no more, and a record's
#: six text cells take 24 bytes instead of six object pointers and the
#: strings' reference counts.
CODE = np.int32


class Vocabulary(dict[str, int]):
    """Each text value met and its code, numbered from 0 in the order met.

    A dict whose missing keys number themselves, so ``vocab[word]`` interns
    a word and ``map(vocab.__getitem__, values)`` codes a batch with the
    lookups in C (about 20 ns a cell, against 11 for copying the strings'
    pointers into an object array). ``words`` lists the values by code.
    """

    def __init__(self, words: Iterable[str] = ()) -> None:
        super().__init__()
        self.words: list[str] = []
        for word in words:
            self[word]

    def __missing__(self, word: str) -> int:
        code = len(self.words)
        self.words.append(word)
        dict.__setitem__(self, word, code)
        return code

    def encode(self, values: Sequence[str]) -> np.ndarray:
        """The codes of ``values`` (new ones are added)."""
        return np.fromiter(map(self.__getitem__, values), dtype=CODE, count=len(values))

    def find(self, word: str) -> int:
        """The code of ``word``; -1 (no cell holds it) if never met."""
        return self.get(word, -1)


def decoder(words: Sequence[str]) -> np.ndarray:
    """The words as an object array: ``decoder(words)[codes]`` decodes."""
    table = np.empty(len(words), dtype=object)
    table[:] = list(words)
    return table


def first_seen(codes: np.ndarray, words: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Codes renumbered 0, 1, ... in the order their values first occur in
    ``codes``, and those values in that order: what factorizing the decoded
    column gives, computed on integers."""
    if codes.size == 0:
        return np.zeros(0, np.int64), []
    n = codes.size
    # Each code's first position in one pass: assigned back to front, the
    # last write (the earliest position) stays (numpy assigns repeated
    # indices in order). A sort of the codes took four times as long.
    first = np.full(max(len(words), int(codes.max()) + 1), n, np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)
    present = np.flatnonzero(first < n)
    seen = present[np.argsort(first[present])]
    rank = np.zeros(first.size, np.int64)
    rank[seen] = np.arange(seen.size)
    return rank[codes], [words[c] for c in seen.tolist()]


def in_order(codes: np.ndarray, words: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Codes renumbered 0, 1, ... in the sorted order of their values, and
    those values sorted: ``np.unique(decoded, return_inverse=True)``,
    computed on integers."""
    distinct, inverse = np.unique(codes, return_inverse=True)
    values = [words[c] for c in distinct.tolist()]
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.zeros(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return rank[inverse.reshape(-1)], [values[i] for i in order]
