from django.utils import translation


def pick_language(zh: str, en: str) -> str:
    """The English text when the active language is English and one exists, the Chinese otherwise."""
    lang = (translation.get_language() or "zh-hans").lower()
    if lang.startswith("en") and en:
        return en
    return zh or en


class LocalizedNameMixin:
    """For domain rows that carry `name_zh` and `name_en` (reference data, not editorial pages)."""

    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        return pick_language(self.name_zh, self.name_en)

    def __str__(self) -> str:
        return self.name
