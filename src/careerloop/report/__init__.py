"""Review rendering: templates, charts, Markdown to target formats."""
