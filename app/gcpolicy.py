"""Keep long-lived objects out of the cyclic garbage collector's full collections.

Under load a full collection walked every object in the process (modules, lexicons, the KB
index) and paused every request in flight for 50-100 ms: that was the whole p99 of webhook
acknowledgements. Objects that live as long as the process (or the KB version) are moved to
the permanent generation once they exist; garbage is collected first, so nothing that is
already dead is kept.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    gc.collect()
    gc.freeze()
