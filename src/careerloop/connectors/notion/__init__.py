"""Notion connector."""
