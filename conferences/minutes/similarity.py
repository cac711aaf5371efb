"""Near-identical minutes without comparing every pair.

Each text becomes the set of its word 6-grams (on the folded text, so OCR tone-mark
noise does not matter); the ``SKETCH_SIZE`` smallest 63-bit hashes of that set are stored
as rows. The share of one sketch's values found in another's estimates how much of the
two shingle sets is common (a bottom-k sketch), so finding a reading's near-copies is one
indexed join over at most ``SKETCH_SIZE`` values, not a comparison with every text.
"""

from __future__ import annotations

import hashlib
import re

from conferences.minutes.parse import fold

SHINGLE_WORDS = 6
SKETCH_SIZE = 64
# Shorter texts say too little to call two of them copies.
MIN_WORDS = 40


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big") >> 1


def sketch(text: str) -> list[int]:
    """The bottom-k hashes of the text's word shingles (empty for short texts)."""
    words = re.findall(r"\w+", fold(text))
    if len(words) < MIN_WORDS:
        return []
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
    return sorted({_hash(s) for s in shingles})[:SKETCH_SIZE]
