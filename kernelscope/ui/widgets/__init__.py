"""One widget a module: values in through ``set_*`` (signals blocked), intents out as signals.

A widget never imports the document, the engine or the main window (import-linter checks it).
"""
