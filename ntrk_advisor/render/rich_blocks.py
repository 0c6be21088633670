"""The small rich building blocks every screen shares: folding text and bullet lists.

The consult screen, the practice screens and the tables all fold long lines (Chinese has no
spaces to break at) the same way; keeping the blocks in one place keeps the screens alike.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text


def fold(text: str, style: str = "") -> Text:
    """`text` as rich text that folds at the edge instead of being cut off."""
    return Text(text, style=style, overflow="fold")


def bullets(items: list[Text]) -> Table:
    """Bullet points whose text folds in its own column.

    Written as "• text", a Chinese sentence (no spaces to break at) would leave the bullet alone
    on its line and start the text below it.
    """
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for item in items:
        grid.add_row("•", item)
    return grid
