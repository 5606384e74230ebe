"""The bundled lessons: session files in ``resources/lessons/``, named ``NN-name.kscope``.

A lesson is an ordinary session whose file name sorts it into teaching order. This module lists
them, finds one from what a person types (``01-article-x``, ``article-x``, ``art``, ``1``) and
loads it. It never imports Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kernelscope.files.resources import lessons_dir
from kernelscope.files.sessions import SUFFIX, Session, load_session

__all__ = ["AmbiguousLessonError", "Lesson", "NoSuchLessonError", "find_lesson", "list_lessons", "load_lesson"]

_NUMBER = re.compile(r"^(\d+)[-_ ]+(.*)$")


class NoSuchLessonError(LookupError):
    """No lesson matches the query."""


class AmbiguousLessonError(LookupError):
    """More than one lesson matches the query (a prefix too short to choose)."""


@dataclass(frozen=True)
class Lesson:
    """One bundled lesson: its file stem, the session's title and notes, and the file."""

    name: str
    title: str
    notes: str
    path: Path

    @property
    def number(self) -> int | None:
        """The teaching-order number from the name (``01-article-x`` -> 1), or None."""
        m = _NUMBER.match(self.name)
        return int(m.group(1)) if m else None

    @property
    def short_name(self) -> str:
        """The name without its number (``01-article-x`` -> ``article-x``)."""
        m = _NUMBER.match(self.name)
        return m.group(2) if m else self.name


def _lesson_files(directory: Path | None) -> list[Path]:
    folder = lessons_dir() if directory is None else directory
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.suffix == SUFFIX and p.is_file()), key=lambda p: p.name)


def list_lessons(directory: Path | None = None) -> list[Lesson]:
    """Every lesson, sorted by name (teaching order); raises SessionError for a broken lesson file."""
    lessons = []
    for path in _lesson_files(directory):
        session = load_session(path)
        lessons.append(Lesson(path.stem, session.title, session.notes, path))
    return lessons


def _key(text: str) -> str:
    text = text.strip().casefold()
    return text[: -len(SUFFIX)] if text.endswith(SUFFIX) else text


def find_lesson(query: str, directory: Path | None = None) -> Lesson:
    """The lesson a person means: its exact name or the name without its number (any case), its
    number (``3``), or a prefix of either that only one lesson has.

    Raises NoSuchLessonError or AmbiguousLessonError (both LookupError) with a message in words.
    """
    key = _key(query)
    lessons = list_lessons(directory)
    if not key:
        raise NoSuchLessonError("no lesson name given (see 'kernelscope lessons')")
    exact = [ls for ls in lessons if key in (ls.name.casefold(), ls.short_name.casefold())]
    if not exact and key.isdigit():
        exact = [ls for ls in lessons if ls.number == int(key)]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [
        ls for ls in lessons if ls.name.casefold().startswith(key) or ls.short_name.casefold().startswith(key)
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NoSuchLessonError(f"no such lesson: {query} (see 'kernelscope lessons')")
    names = ", ".join(ls.name for ls in matches)
    raise AmbiguousLessonError(f"{query!r} matches {len(matches)} lessons: {names}; type more of the name")


def load_lesson(lesson: Lesson) -> Session:
    """The lesson's session, read and validated like any session file."""
    return load_session(lesson.path)
