"""The client: the only layer that speaks HTTP (through requests)."""
