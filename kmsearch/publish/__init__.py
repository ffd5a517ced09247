"""Publishing: new documents from templates, git hooks, rebuilding on change."""
