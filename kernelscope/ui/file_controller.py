"""The window's files: new, open, save, save as, recent files, drag and drop, and exports.

Every question to the person (which file, save changes?) goes through one overridable method, so
tests answer them without a modal dialog. A failure is shown in the window and changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from kernelscope.core.document import Document, EditError
from kernelscope.core.engine import ConvError
from kernelscope.core.paint_tools import picture_value_mode
from kernelscope.files.export import ExportError, export_npy, save_png
from kernelscope.files.lessons import Lesson, load_lesson
from kernelscope.files.models import MODEL_SUFFIXES, is_model_file
from kernelscope.files.sessions import SUFFIX, Session, SessionError, default_session, load_session, save_session
from kernelscope.ui.settings import Settings

if TYPE_CHECKING:
    from kernelscope.ui.widgets.gif_options import GifOptions, GifRequest

SESSION_FILTER = f"kernelscope sessions (*{SUFFIX})"
MODEL_FILTER = f"Keras models ({' '.join('*' + s for s in MODEL_SUFFIXES)})"

NOTE_MS, LONG_NOTE_MS = 5000, 8000
"""How long a passing note (saved, exported, opened; longer when it says more) stays in the status
bar: it clears by itself. Only a refusal on the message line stays, until the next action answers it."""


def rescaled_range(session: Session) -> tuple[Session, str | None]:
    """A session whose first layer is a Rescaling paints in the range it expects (0..255 when it
    rescales bytes), its input carried over to that range; and the note that says so (None when
    nothing changed). The same rule as an opened model's (``files.model_input.value_mode``)."""
    from dataclasses import replace

    from kernelscope.core.paint_tools import VALUE_MODES, convert_mode
    from kernelscope.files.model_input import value_mode

    first = session.layers[0] if session.layers else None
    if first is None or first.class_name != "Rescaling":
        return session, None
    mode, note = value_mode((first.class_name, first.config))
    old = session.view.value_mode
    if mode != "byte" or old == "byte":
        return session, None  # only bytes are a range the Rescaling asks for; otherwise the session's own
    image = convert_mode(session.input, VALUE_MODES[old], VALUE_MODES[mode])
    entries = [{"class_name": e.class_name, "config": dict(e.config), "weights": list(e.weights)}
               for e in session.layers]
    return Session(input=image, layers=entries, view=replace(session.view, value_mode=mode),  # type: ignore[arg-type]
                   title=session.title, notes=session.notes, class_names=session.class_names), note


class FileHost(Protocol):
    """What the file controller needs from the window it serves."""

    document: Document

    def report(self, text: str) -> None:
        """The message line; an empty text clears it."""

    def status(self, text: str, ms: int) -> None:
        """A passing note in the status bar."""

    def dialog_parent(self) -> QWidget:
        """The widget dialogs belong to."""

    def picture(self, part: Literal["window", "maps"]) -> QImage:
        """What Export > PNG writes."""

    def gif_speed(self) -> float:
        """Steps per second of the stepping, the GIF's frame rate."""


class FileController(QObject):
    """Owns the current path and asks before discarding changes."""

    path_changed = Signal()
    recent_changed = Signal()

    def __init__(self, host: FileHost, settings: Settings) -> None:
        super().__init__(host.dialog_parent())
        self.host = host
        self.settings = settings
        self.path: Path | None = None
        self.model_path: Path | None = None  # the model file the scene came from: Save As suggests its stem

    @property
    def document(self) -> Document:
        return self.host.document

    # ------------------------------------------------------------------ questions (overridable)
    def ask_open_path(self, caption: str, file_filter: str) -> str:
        start = self.settings.last_directory()
        path, _ = QFileDialog.getOpenFileName(self.host.dialog_parent(), caption, start, file_filter)
        return path

    def ask_save_path(self, caption: str, file_filter: str, suggested: str) -> str:
        start = str(Path(self.settings.last_directory()) / suggested)
        path, _ = QFileDialog.getSaveFileName(self.host.dialog_parent(), caption, start, file_filter)
        return path

    def ask_save_changes(self) -> str:
        """'save', 'discard' or 'cancel'."""
        box = QMessageBox(self.host.dialog_parent())
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved changes")
        name = self.path.name if self.path else "this drawing"
        box.setText(f"Save the changes to {name} first?")
        box.setInformativeText("If you don't save, the changes are lost.")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(QMessageBox.StandardButton(answer), "cancel")

    def ask_overwrite(self, path: Path) -> bool:
        """True to replace ``path``, a file the person did not name (kernelscope added its extension)."""
        box = QMessageBox(self.host.dialog_parent())
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Replace the file?")
        box.setText(f"{path.name} already exists in {path.parent}. Replace it?")
        box.setInformativeText(f"You typed a name without an extension, so kernelscope added {path.suffix}.")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return QMessageBox.StandardButton(box.exec()) == QMessageBox.StandardButton.Yes

    def typed_path(self, typed: str, suffix: str) -> Path | None:
        """The name as typed, with ``suffix`` added only when it has no extension at all; None when
        that other file exists and the person does not want it replaced. (A file dialog asks about
        the name it was given, never about the one with the extension added.)"""
        path = Path(typed)
        if path.suffix:
            return path
        path = path.with_name(path.name + suffix)
        if os.path.lexists(path) and not self.ask_overwrite(path):
            return None
        return path

    # ------------------------------------------------------------------ guarding changes
    def may_discard(self) -> bool:
        """True when the current drawing may be replaced (saved, unchanged, or the person said so)."""
        if not self.document.modified:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    # ------------------------------------------------------------------ actions
    def new(self) -> None:
        if self.may_discard():
            self._replace(default_session(), None)

    def open(self, path: str | Path | None = None) -> bool:
        if not self.may_discard():
            return False
        if path is None:
            path = self.ask_open_path("Open a session", f"{SESSION_FILTER};;All files (*)")
            if not path:
                return False
        return self.open_without_asking(Path(path))

    def open_without_asking(self, path: Path, remember: bool = True) -> bool:
        if is_model_file(path):  # a model in the recent files, or chosen in Open...
            return self._open_model_file(path)
        try:
            session, note = rescaled_range(load_session(path))
        except SessionError as exc:
            self.host.report(str(exc))
            return False
        self._replace(session, path if remember else None, (lambda: self.host.report(note)) if note else None)
        if remember:
            self.settings.add_recent_file(path)
            self.settings.set_last_directory(path.parent)
            self.recent_changed.emit()
        return True

    def can_open(self, path: str) -> bool:
        """A session, a Keras model or a picture kernelscope reads (by its name: what a drop offers)."""
        from kernelscope.files.images import SUPPORTED_SUFFIXES

        suffix = Path(path).suffix.lower()
        return suffix == SUFFIX or suffix in SUPPORTED_SUFFIXES or is_model_file(path)

    def open_any(self, path: str) -> bool:
        """A dropped file: a session opens as a session, a model as a model, anything else as a picture."""
        if is_model_file(path):
            return self.open_model(path)
        return self.open(path) if path.lower().endswith(SUFFIX) else self.open_image(path)

    def open_model(self, path: str | Path | None = None) -> bool:
        """A Keras model file becomes the scene (its chain of layers, trained weights, real names),
        as a session opens: asks before discarding, history starts anew. A file it cannot open
        changes nothing and says why in one line."""
        if not self.may_discard():
            return False
        if path is None:
            path = self.ask_open_path("Open a Keras model", f"{MODEL_FILTER};;All files (*)")
            if not path:
                return False
        return self._open_model_file(Path(path))

    def _open_model_file(self, path: Path) -> bool:
        from kernelscope.files.models import ModelError, load_model

        try:
            opened = load_model(path)
        except ModelError as exc:
            self.host.report(str(exc))
            return False
        message = opened.message()
        says_more = bool(opened.stopped or opened.value_note or opened.remarks)

        def tell() -> None:  # once the model is in: the chain's end and the value range stay on the message line
            self.model_path = path
            if says_more:
                self.host.report(message)
            else:
                self.host.status(message, LONG_NOTE_MS)

        try:
            self._replace(opened.session, None, tell)  # no path: Save writes a session, never over the model
        except EditError as exc:
            self.host.report(f"{path.name}: {exc}")
            return False
        self.settings.add_recent_file(path)
        self.settings.set_last_directory(path.parent)
        self.recent_changed.emit()
        return True

    def open_lesson(self, lesson: Lesson) -> bool:
        try:
            session = load_lesson(lesson)
        except SessionError as exc:
            self.host.report(str(exc))
            return False
        return self.open_session(session, f"lesson: {lesson.title}")

    def open_session(self, session: Session, label: str) -> bool:
        """Open an in-memory session (a lesson): asks before discarding, has no file path."""
        if not self.may_discard():
            return False
        self._replace(session, None)
        self.host.status(f"opened {label}", NOTE_MS)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self) -> bool:
        if self.path:
            suggested = self.path.name
        else:
            suggested = f"{self.model_path.stem if self.model_path else 'drawing'}{SUFFIX}"
        path = self.ask_save_path("Save the session", SESSION_FILTER, suggested)
        if not path:
            return False
        p = self.typed_path(path, SUFFIX)
        if p is not None and is_model_file(p):
            self.host.report(f"{p.name} is a name for a Keras model: kernelscope saves sessions ({SUFFIX}), "
                             "so nothing was written")
            return False
        return False if p is None else self._write(p)

    def _write(self, path: Path) -> bool:
        try:
            save_session(self.document.to_session(), path)
        except SessionError as exc:
            self.host.report(str(exc))
            return False
        self.path = path
        self.document.mark_saved()
        self.settings.add_recent_file(path)
        self.settings.set_last_directory(path.parent)
        self.recent_changed.emit()
        self.path_changed.emit()
        self.host.report("")  # a refusal from before is answered
        self.host.status(f"saved {path}", NOTE_MS)
        return True

    def _replace(self, session: Session, path: Path | None, then: Callable[[], object] | None = None) -> None:
        """The session becomes the document's; its path follows only once it is in, so a load that
        is refused or superseded never leaves Save pointing at a file the window does not show."""

        def adopt() -> None:
            self.path, self.model_path = path, None
            self.path_changed.emit()
            if then is not None:
                then()

        self.host.report("")  # before the load: a scene that comes in at once may say something of its own
        self.document.load(session, on_loaded=adopt)

    # ------------------------------------------------------------------ exports
    def export(self, caption: str, file_filter: str, suffix: str, write: Callable[[Path], object]) -> Path | None:
        """Ask for a path, write through ``write`` (atomic in export.py); a failure is a message."""
        stem = self.path.stem if self.path else "kernelscope"
        path = self.ask_save_path(caption, file_filter, f"{stem}{suffix}")
        if not path:
            return None
        p = self.typed_path(path, suffix)
        if p is None:
            return None
        try:
            write(p)
        except (ExportError, ConvError, OSError) as exc:
            self.host.report(str(exc))
            return None
        self.settings.set_last_directory(p.parent)
        self.host.report("")
        self.host.status(f"exported {p}", NOTE_MS)
        return p

    def export_npy(self) -> Path | None:
        return self.export(
            "Export the feature maps", "NumPy arrays (*.npy)", ".npy",
            lambda p: export_npy(self.document.to_session(), p),
        )

    # ------------------------------------------------------------------ pictures
    def open_image(self, path: str | Path | None = None) -> bool:
        """A picture becomes the input (undoable); grey or RGB follows the picture, big ones shrink."""
        from kernelscope.files.images import FILE_FILTER, ImageError, load_image

        if path is None:
            path = self.ask_open_path("Open a picture", FILE_FILTER)
            if not path:
                return False
        doc = self.document
        channels, size = self.picture_shape()
        if channels not in (None, 1, 3):
            self.host.report(f"this model's input has {channels} channels: a picture gives 1 (grey) or 3 (RGB)")
            return False
        options = self.ask_image_options(Path(path))
        if options is None:
            return False
        mode = picture_value_mode(doc.view.value_mode)
        try:
            loaded = load_image(path, channels=channels or options.channels,  # type: ignore[arg-type]
                                size=size or options.size, fit=options.fit, value_mode=mode)
            with doc.undo_group("open a picture"):
                doc.replace_input(loaded.pixels, mode)
                doc.set_lesson("", "")  # a lesson's words were about its own input
        except (ImageError, ValueError) as exc:
            self.host.report(str(exc))
            return False
        self.settings.set_last_directory(Path(path).parent)
        h, w, c = loaded.pixels.shape
        note = f" ({loaded.notice})" if loaded.notice else ""
        self.host.report("")
        self.host.status(f"opened {Path(path).name} as {h}x{w}x{c}{note}", LONG_NOTE_MS)
        return True

    def picture_shape(self) -> tuple[int | None, tuple[int, int] | None]:
        """What a picture must become for the model: its channels in a stack (a trained first layer's
        kernels must not change), and its (width, height) when another size would not reach the end
        (a Flatten feeding a Dense); None where the picture may choose."""
        from kernelscope.core.stack_ops import chain

        doc = self.document
        if len(doc.layers) < 2:
            return None, None  # one Conv2D: the picture sets the input, its kernels follow the channels
        h, w, c = doc.input.shape
        fixed = chain(doc.layers, (h + 8, w + 8, c)).problem is not None and doc.problem is None
        return c, (w, h) if fixed else None

    def ask_image_options(self, path: Path):  # type: ignore[no-untyped-def]
        """Grey or RGB, the size and the fit (None: cancelled); what the model fixes is shown, not asked."""
        from kernelscope.ui.widgets.image_options import ImageOptionsDialog

        channels, size = self.picture_shape()
        dialog = ImageOptionsDialog(path.name, colour=True, parent=self.host.dialog_parent(),
                                    keep_channels=channels, keep_size=size)
        if dialog.exec() != ImageOptionsDialog.DialogCode.Accepted:
            return None
        return dialog.options()

    # ------------------------------------------------------------------ more exports
    def export_window_png(self) -> Path | None:
        def write(p: Path) -> None:
            save_png(self.host.picture("window"), p)

        return self.export("Export the window as PNG", "PNG pictures (*.png)", ".png", write)

    def export_maps_png(self) -> Path | None:
        def write(p: Path) -> None:
            save_png(self.host.picture("maps"), p)

        return self.export("Export the feature maps as PNG", "PNG pictures (*.png)", ".png", write)

    def export_keras(self) -> Path | None:
        from kernelscope.files.keras_code import write_keras_code

        return self.export(
            "Export Keras code", "Python files (*.py)", ".py",
            lambda p: write_keras_code(self.document.to_session(), p),
        )

    def ask_gif_options(self, request: GifRequest) -> GifOptions | None:
        """The GIF's step range and speed (None: cancelled)."""
        from kernelscope.ui.widgets.gif_options import GifOptionsDialog

        dialog = GifOptionsDialog(request, parent=self.host.dialog_parent())
        if dialog.exec() != GifOptionsDialog.DialogCode.Accepted:
            return None
        return dialog.options()

    def gif_request(self) -> GifRequest:
        """What the GIF of the selected layer and filter would step; an ExportError when it cannot be made."""
        from kernelscope.files.export import (
            GIF_FPS_RANGE,
            MAX_GIF_FRAMES,
            check_gif_options,
            gif_layer,
            layer_label,
            layer_steps,
        )
        from kernelscope.ui.widgets.gif_options import GifRequest

        doc = self.document
        session = doc.to_session()
        fps, f, layer = self.host.gif_speed(), doc.view.selected_filter, doc.selected_layer
        check_gif_options(session, fps, f, first=0, last=0, layer=layer)  # all but the range, asked next
        index = gif_layer(session, layer)
        steps, channels = layer_steps(session, index)
        if channels is None:
            stepped = f"its {steps:,} units, one a step"
        else:
            stepped = f"{'filter' if session.layers[index].class_name == 'Conv2D' else 'channel'} {f + 1} of {channels}"
        return GifRequest(layer_label(session, index), stepped, steps, doc.step, fps, GIF_FPS_RANGE, MAX_GIF_FRAMES)

    def export_gif(self) -> Path | None:
        """The stepping of the selected layer and filter as a GIF over the steps the person chooses,
        with a progress bar and a cancel button."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QProgressDialog

        from kernelscope.files.export import ExportCancelled, check_gif_options, export_gif

        doc = self.document
        session = doc.to_session()
        f, layer = doc.view.selected_filter, doc.selected_layer
        try:
            options = self.ask_gif_options(self.gif_request())
            if options is None:
                return None
            fps, first, last = options.fps, options.first, options.last
            frames = check_gif_options(session, fps, f, first=first, last=last, layer=layer)
        except ExportError as exc:
            self.host.report(str(exc))
            return None
        dialog = QProgressDialog("Drawing the GIF frames...", "Cancel", 0, frames, self.host.dialog_parent())
        dialog.setWindowTitle("Export GIF")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)

        def progress(done: int, total: int) -> bool:
            dialog.setValue(done)
            QApplication.processEvents()
            return not dialog.wasCanceled()

        def write(p: Path) -> None:
            try:
                export_gif(session, p, fps=fps, filter_index=f, progress=progress, first=first, last=last, layer=layer)
            finally:
                dialog.reset()

        try:
            return self.export("Export the stepping as a GIF", "GIF animations (*.gif)", ".gif", write)
        except ExportCancelled:
            self.host.status("GIF export cancelled: nothing was written", NOTE_MS)
            return None
