"""What a minutes text says: the date held, invited and attended, contents, a resolution.

Patterns run on a folded copy of the text (lower case, no diacritics, "đ" → "d", one
character for one character), so OCR that drops or swaps a tone mark still matches.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field


def fold(text: str) -> str:
    """Lower case without diacritics, the same length as ``text``."""
    out = []
    for ch in text.lower():
        base = unicodedata.normalize("NFD", ch)[0]
        out.append("d" if base == "đ" else base)
    return "".join(out)


def search_form(text: str) -> str:
    """The form searched by staff: NFC lower case with single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


_WORD_GAP = r"[\s,.;:]+"
# A misread word stays inside its sentence: no full stop around the stand-in.
_FUZZY_GAP = r"[\s,]+"


@functools.cache
def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A phrase, its words separated by spaces or punctuation.

    A phrase of three words or more still matches with one word misread (OCR turns
    "kinh doanh" into "kánh doanh"): each word in turn may be any word of the sentence.
    """
    words = [re.escape(w) for w in re.split(r"[\s,.;:]+", fold(keyword)) if w]
    variants = [_WORD_GAP.join(words)]
    if len(words) >= 3:
        variants += [_FUZZY_GAP.join([*words[:i], r"\w{2,}", *words[i + 1 :]]) for i in range(len(words))]
    return re.compile("|".join(rf"\b(?:{v})\b" for v in variants))


@dataclass
class Findings:
    held_on: datetime.date | None = None
    invited: int | None = None
    attended: int | None = None
    contents: list[str] = field(default_factory=list)
    resolution: bool = False


_SEP = r"[\s,.]*"
# "ngày 15 tháng 3 năm 2025", OCR often loses the spaces or the tone marks.
_WORDY_DATE = re.compile(
    r"ngay" + _SEP + r"(\d{1,2})" + _SEP + r"thang" + _SEP + r"(\d{1,2})" + _SEP + r"nam" + _SEP + r"(\d{4})"
)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
# The date the meeting was held, as opposed to the place-and-date line of the signature.
_HELD_CUES = ("hom nay", "vao luc", "vao hoi", "to chuc", "tien hanh", "khai mac", "thoi gian")

_NUMBER = r"(\d{1,6})"
_GAP = r"[^\d\n]{0,40}?"
_INVITED = re.compile(
    r"(?:duoc trieu tap|trieu tap|duoc moi|khach moi|tong so (?:nguoi lao dong|can bo|cong chuc|vien chuc|dai bieu)"
    r"[^\d\n]{0,30}?(?:trieu tap|duoc moi))" + _GAP + _NUMBER
)
_ATTENDED = re.compile(r"(?:co mat|tham du|du hop|hien dien)" + _GAP + _NUMBER + r"(?:\s*/\s*(\d{1,6}))?")
_ABSENT = re.compile(r"vang(?: mat)?" + _GAP + _NUMBER)
_RESOLUTION = re.compile(
    r"(?:thong qua|nhat tri|tan thanh|bieu quyet)[^\n]{0,80}?nghi quyet"
    r"|nghi quyet[^\n]{0,120}?(?:thong qua|nhat tri|tan thanh|bieu quyet)"
)


def _valid_date(day: str, month: str, year: str) -> datetime.date | None:
    try:
        found = datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if 2000 <= found.year <= 2100 else None


def find_held_on(folded: str) -> datetime.date | None:
    """The meeting's date: one next to a cue ("hôm nay", "vào lúc") wins over the first date."""
    dates: list[tuple[int, datetime.date]] = []
    for pattern in (_WORDY_DATE, _NUMERIC_DATE):
        for match in pattern.finditer(folded):
            found = _valid_date(*match.groups())
            if found is not None:
                dates.append((match.start(), found))
    if not dates:
        return None
    dates.sort(key=lambda d: d[0])
    for start, found in dates:
        before = folded[max(0, start - 80) : start]
        if any(cue in before for cue in _HELD_CUES):
            return found
    return dates[0][1]


def find_numbers(folded: str) -> tuple[int | None, int | None]:
    invited = attended = None
    if match := _INVITED.search(folded):
        invited = int(match.group(1))
    if match := _ATTENDED.search(folded):
        attended = int(match.group(1))
        if match.group(2) and invited is None:
            invited = int(match.group(2))
    if attended is None and invited is not None and (match := _ABSENT.search(folded)):
        absent = int(match.group(1))
        attended = invited - absent if absent <= invited else None
    if invited is not None and attended is not None and attended > invited:
        attended = None  # a misread: nobody attends who was not convened
    return invited, attended


def find_contents(folded: str, keywords: dict[str, Iterable[str]]) -> list[str]:
    """The codes whose keywords appear in the text, sorted."""
    return sorted(
        code for code, words in keywords.items() if any(keyword_pattern(w).search(folded) for w in words if w.strip())
    )


def read(text: str, keywords: dict[str, Iterable[str]]) -> Findings:
    folded = fold(text)
    invited, attended = find_numbers(folded)
    return Findings(
        held_on=find_held_on(folded),
        invited=invited,
        attended=attended,
        contents=find_contents(folded, keywords),
        resolution=bool(_RESOLUTION.search(folded)),
    )
