"""Web pages, the JSON API, feeds, the KM dashboard and the HTTP server."""
