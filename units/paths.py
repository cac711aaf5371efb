"""Path arithmetic of the organisation tree, in one place.

A node's ``path`` is its ancestors' ids and its own, each zero-padded to
``PATH_SEGMENT_WIDTH`` digits and followed by a dot: "everything under X" is one prefix
search, and a path's ids, parent and depth are read off it with no query.
"""

from __future__ import annotations

PATH_SEGMENT_WIDTH = 8  # ids up to 99,999,999 per segment; 28 levels fit in 255 chars
SEGMENT = PATH_SEGMENT_WIDTH + 1
MAX_DEPTH = 255 // SEGMENT - 1


def path_for(*, parent_path: str, pk: int) -> str:
    return f"{parent_path}{pk:0{PATH_SEGMENT_WIDTH}d}."


def ids_on(path: str) -> list[int]:
    """The ids on a path, from the root down to the node itself."""
    return [int(segment) for segment in path.split(".") if segment]


def ancestry(*paths: str) -> set[int]:
    """Ids of every node on the given paths (the nodes and all above them), with no query."""
    return {node_id for path in paths for node_id in ids_on(path)}


def parent_path(path: str) -> str:
    """The path of the node's parent ("" for a root)."""
    return path[:-SEGMENT]


def child_path_length(path: str) -> int:
    """How long the path of a child of the node at ``path`` is (to group units by child)."""
    return len(path) + SEGMENT


def depth_change(old_path: str, new_path: str) -> int:
    """How many levels a node moved down (negative: up) when its path changed."""
    return (len(new_path) - len(old_path)) // SEGMENT
