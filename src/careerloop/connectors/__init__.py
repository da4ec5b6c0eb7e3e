"""Connectors: each knows one service (Notion, Trello) or the local files."""
