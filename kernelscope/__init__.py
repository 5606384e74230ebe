"""kernelscope: make keras.layers.Conv2D visible. Importing the package loads no Qt."""

__version__ = "0.1.0"
