"""The reference app of the side-by-side benchmark (bench/side_by_side.py)."""
