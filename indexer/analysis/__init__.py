"""Thai analysis: normalisation and segmentation, the one piece of code used
when documents are indexed and when queries are read."""
