"""`marktplatz`: the city's admin command line. It calls the HTTP API of a deployment, local or AWS alike."""
