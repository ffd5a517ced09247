"""The OpenSearch test cluster (tests/cluster/README.md)."""
