"""Command groups of the ``pakta`` CLI beyond the core ones in pakta.cli."""
