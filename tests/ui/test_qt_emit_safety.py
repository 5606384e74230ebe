"""Guard the PySide6 pin: 6.12.0 leaks a reference to True on every emit and aborts after ~1000."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    class Emitter(QObject):
        flag = Signal(bool)
        number = Signal(int)

    app = QCoreApplication([])
    seen = []
    e = Emitter()
    e.flag.connect(lambda v: seen.append(v))
    e.number.connect(lambda v: None)
    for i in range(20_000):
        e.flag.emit(i % 2 == 0)
        e.number.emit(i)
    assert len(seen) == 20_000, len(seen)
    del e
    print("emitted", len(seen))
    """
)


def test_twenty_thousand_emits_exit_cleanly() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    assert "emitted 20000" in proc.stdout
    assert "Fatal Python error" not in proc.stderr
