"""Content files to documents: reading files inside the content folder,
front-matter, validation, Markdown rendering, links and the office settings."""
