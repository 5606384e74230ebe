"""Formats: session JSON, pictures, exports (npy, GIF, PNG, Keras code), autosave recovery files,
the bundled lessons and resources, and the atomic writer that every file goes through.

May import ``kernelscope.core``; never ``kernelscope.ui``, Qt widgets or pyqtgraph. QtGui only
where a format needs it (decoding pictures, rendering PNG/GIF frames). Checked by import-linter.
"""
