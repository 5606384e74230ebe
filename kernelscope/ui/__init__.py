"""The Qt application: the app and its main window, controllers (intents, stepping, projector,
files), menus, theme, settings and ``widgets/``.

May import ``kernelscope.core`` and ``kernelscope.files``. Widgets (``ui/widgets``) never import
the document, the engine or the main window: they take values through ``set_*`` and emit intents.
Nothing imports ``ui.main_window`` but the app. Checked by import-linter.
"""
