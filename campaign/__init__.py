"""campaign layer."""
