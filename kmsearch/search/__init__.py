"""The search service: queries read into a QuerySpec, results with snippets,
the passage an article opens at, office synonyms."""
