"""Local HTTP servers that stand in for the platforms at the network edge (never our code)."""
