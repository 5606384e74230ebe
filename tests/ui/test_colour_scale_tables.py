"""The core's colour tables are pyqtgraph's own: the window and the exports colour maps alike."""

import numpy as np
import pyqtgraph as pg
import pytest

from kernelscope.core.colour_scale import COLORMAPS, lookup_table


@pytest.mark.parametrize("name", list(COLORMAPS))
def test_table_matches_pyqtgraph(name: str) -> None:
    want = pg.colormap.get(name).getLookupTable(nPts=256, alpha=False).astype(np.uint8)
    got = lookup_table(name)
    np.testing.assert_array_equal(got, want)
    assert not got.flags.writeable


def test_unknown_map_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown colour map 'jet'"):
        lookup_table("jet")
