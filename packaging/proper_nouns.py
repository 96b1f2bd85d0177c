"""Write ``resources/proper_nouns.txt``: the offline engine's words English always capitalises.

PocketSphinx gives every word in lower case and its model holds no casing.
SCOWL's American word list (Debian's ``wamerican``: names, places, days,
months, nationalities, brands, acronyms, each in its usual casing beside the
ordinary words) says which words are only ever written with capitals: a word
it lists capitalised and never in lower case ("London", "Monday", "FBI", but
not "Bill" or "May", which are ordinary words too).  Kept are those the
language model can put in a caption.  Left out: one- and two-letter words
(mostly syllables the decoder hears in noise, "er" or "de") but for a few
acronyms people say, and abbreviations, whose spoken word is a different one
("Aug", "Com").  Possessives ("John's") are cased from their word at run time.

    apt-get download wamerican && dpkg-deb -x wamerican_*.deb /tmp/wamerican
    .venv/bin/python packaging/proper_nouns.py /tmp/wamerican/usr/share/dict/american-english

Run again when either list changes; the output is committed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "proper_nouns.txt"

# Two-letter (or shorter) words kept: acronyms said as letters in meetings and calls.
SHORT_KEPT = {"TV", "OK", "PC", "CD", "DC", "PM", "AI", "IQ", "IP", "Dr", "Ms", "St", "Jr"}
# Abbreviations and clipped words SCOWL capitalises whose spoken form is another word
# (or a syllable the decoder may hear inside one).
ABBREVIATIONS = {
    "ala", "ave", "aug", "com", "eco", "eng", "feb", "geo", "hon", "jun", "las", "les",
    "los", "ltd", "mac", "maj", "mon", "neo", "nov", "oct", "san", "sen", "sep", "sgt",
    "th", "wis", "dec", "ing",
}  # fmt: skip

# Ordinary words too in SCOWL (a kind of toilet, of window), but in speech nearly always
# the name and the language.
ADDED = ["French", "John"]

HEADER = """\
# Words the offline engine always capitalises (one per line, in their casing), made by
# packaging/proper_nouns.py from SCOWL's American English word list (Debian's wamerican)
# and PocketSphinx's en-US language model.  SCOWL:
#   Copyright 2000-2011 by Kevin Atkinson.  Permission to use, copy, modify, distribute
#   and sell these word lists, the associated scripts, the output created from the
#   scripts, and its documentation for any purpose is hereby granted without fee,
#   provided that the above copyright notice appears in all copies and that both that
#   copyright notice and this permission notice appear in supporting documentation.
#   Kevin Atkinson makes no representations about the suitability of this array for
#   any purpose. It is provided "as is" without express or implied warranty.
"""


def always_capitalised(words: list[str], vocabulary: frozenset[str]) -> list[str]:
    """The capitalised forms of ``words`` never written in lower case, that ``vocabulary`` has."""
    ordinary = {word for word in words if not word[:1].isupper()}
    chosen: dict[str, str] = {}
    for word in words:
        if not word[:1].isupper() or "'" in word:
            continue
        key = word.lower()
        if key in ordinary or key not in vocabulary or key in ABBREVIATIONS:
            continue
        if len(key) <= 2 and word not in SHORT_KEPT:
            continue
        # "Sam" before "SAM": a name is said far more often than the missile.
        if key not in chosen or (chosen[key].isupper() and not word.isupper()):
            chosen[key] = word
    for word in ADDED:
        if word.lower() in vocabulary:
            chosen[word.lower()] = word
    return sorted(chosen.values(), key=str.lower)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wordlist", type=Path, help="SCOWL's american-english")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from pocketsphinx import get_model_path

    from captioner.engines.offline.vocabulary import language_model_words

    vocabulary = language_model_words(Path(get_model_path()) / "en-us" / "en-us.lm.bin")
    if vocabulary is None:
        print("cannot read the language model's words", file=sys.stderr)
        return 1
    words = args.wordlist.read_text("utf-8").split()
    kept = always_capitalised(words, vocabulary)
    OUT.write_text(HEADER + "\n".join(kept) + "\n", encoding="utf-8")
    print(f"{len(kept)} words -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
