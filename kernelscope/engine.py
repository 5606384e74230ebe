"""The engine's public face, where the README imports it: ``from kernelscope.engine import conv2d``.

The code lives in :mod:`kernelscope.core.engine`; this module only re-exports its names.
"""

from kernelscope.core.engine import *  # noqa: F403
from kernelscope.core.engine import __all__  # noqa: F401
