"""Bilingual text: every human-facing string of the model exists in zh and en."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    @staticmethod
    def same(value: str) -> Text:
        """A text that reads the same in both languages (ids, numbers)."""
        return Text(zh=value, en=value)
