"""Files connector."""
