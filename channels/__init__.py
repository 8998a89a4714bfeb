"""channels layer."""
