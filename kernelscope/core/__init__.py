"""The Qt-free core: the engine (Keras layers in NumPy), the scene's types and limits, the document
and its undo history, and the pure tools the window calls (arithmetic text, paint and kernel tools,
the Conv2D line parser and writer, colour scales).

It imports only NumPy, psygnal and the standard library: never Qt, pyqtgraph, ``kernelscope.files``
or ``kernelscope.ui`` (an import-linter contract in ``pyproject.toml`` checks it), so everything
here runs and is tested headless, in any program.
"""
